import Domain
import FlowEngine
import Foundation
import Gateway
import Hummingbird
import NIOCore

/// The JSON API an MOE's own maintenance system uses (`Authorization: Bearer <MOE token>` from
/// `civicgate token add --moe <code>`): its queue, its tickets, status changes. Another MOE's
/// ticket is a 404, exactly as if it did not exist.
struct MOEApiRoutes: Sendable {
    /// What the API reads and changes: the queue, tokens, incidents, and the audit log.
    typealias Store = DispatchStore & MOETokens & IncidentStore & AuditLog & CrewRoster
    let staff: any Store
    let figures: FigureRollup
    let engine: FlowEngine
    let clock: any WallClock
    let limiter: RateLimiter
    let limits: RateLimits

    var tickets: TicketDesk { TicketDesk(ledger: staff, engine: engine, clock: clock) }
    var crews: CrewDesk { CrewDesk(roster: staff, ledger: staff, engine: engine, clock: clock) }

    func register(on router: Router<WebContext>) {
        registerIncidents(on: router)
        assignRoute(on: router)
        router.get("/api/v1/tickets") { request, context in
            if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            guard let moe = try await moe(request) else { return unauthorized() }
            var query = WorklistQuery(scope: moe)
            query.sort = .newest
            query.pageSize = 500
            if let s = request.uri.queryParameters["status"], s != "open" {
                guard let parsed = TicketStatus(rawValue: String(s)) else { return problem(.badRequest, "unknown status '\(s)'") }
                query.statuses = [parsed]
            }
            if let p = request.uri.queryParameters["possible_duplicates"] {
                guard p == "1" || p == "true" else { return problem(.badRequest, "possible_duplicates=1 lists only the possible duplicates waiting") }
                query.possibleDuplicates = true
            }
            if let p = request.uri.queryParameters["page"] {
                guard let page = Int(p), (1...100_000).contains(page) else { return problem(.badRequest, "page is a number from 1 to 100000") }
                query.page = page
            }
            let list = try await staff.worklist(query, now: clock.now())
            try await staff.audit(actor: "api:\(moe)", action: .apiList, reference: nil,
                                  detail: "page \(query.page): \(list.tickets.count) of \(list.total)", address: context.clientAddress, at: clock.now())
            let now = clock.now()
            return json(Listing(tickets: list.tickets.map { APITicket($0, now: now) }, total: list.total, page: query.page,
                                possible_duplicates: list.possibleDuplicates))
        }
        router.get("/api/v1/indicators") { request, context in
            if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            guard let moe = try await moe(request) else { return unauthorized() }
            let calendar = engine.settings.calendar
            guard let first = request.uri.queryParameters["from"].flatMap({ calendar.date(ofDay: String($0)) }),
                  let last = request.uri.queryParameters["to"].flatMap({ calendar.date(ofDay: String($0)) }) else {
                return problem(.badRequest, "give from and to as dates, e.g. ?from=2026-10-01&to=2026-12-31")
            }
            let end = calendar.startOfNextDay(last)
            guard first < end, end.timeIntervalSince(first) <= 400 * 86400 else {
                return problem(.badRequest, "from must not be after to, and the period is at most 400 days")
            }
            let rows = try await figures.figures(FigureFilter(moe: moe), fromDay: calendar.dayNumber(first), toDay: calendar.dayNumber(end))
            try await staff.audit(actor: "api:\(moe)", action: .apiIndicators, reference: nil, detail: "\(calendar.day(first)) to \(calendar.day(last))",
                                  address: context.clientAddress, at: clock.now())
            let incidents = IncidentFigures(try await staff.incidentRecords(moe: moe, from: first, to: end))
            let field = FieldFigures(try await staff.fieldRecords(moe: moe, from: first, to: end))
            return json(IndicatorReport(moe: moe, from: calendar.day(first), to: calendar.day(last), indicators: Indicators(figures: rows, now: clock.now()),
                                        incidents: incidents, field: field))
        }
        router.get("/api/v1/tickets/:reference") { request, context in
            if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            guard let moe = try await moe(request) else { return unauthorized() }
            guard let reference = try? Reference(parsing: context.parameters.require("reference")),
                  let ticket = try await staff.ticket(reference, moe: moe) else { return problem(.notFound, "no such ticket") }
            try await staff.audit(actor: "api:\(moe)", action: .apiRead, reference: reference, detail: nil, address: context.clientAddress, at: clock.now())
            return json(APITicket(ticket, now: clock.now()))
        }
        router.post("/api/v1/tickets/:reference/status") { request, context in
            if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            guard let moe = try await moe(request) else { return unauthorized() }
            guard let reference = try? Reference(parsing: context.parameters.require("reference")),
                  try await staff.ticket(reference, moe: moe) != nil else { return problem(.notFound, "no such ticket") }
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            guard let change = try? JSONDecoder().decode(StatusChange.self, from: Data(buffer: body)) else {
                return problem(.badRequest, "send JSON: {\"status\": \"in_progress\", \"public_update\": \"...\", \"internal_note\": \"...\", \"expected_date\": \"2026-12-01\"}")
            }
            guard let status = TicketStatus(rawValue: change.status), status != .new, status != .duplicate else {
                return problem(.badRequest, "status must be one of acknowledged, assigned, in_progress, scheduled, resolved, closed, rejected")
            }
            var expected: Date?
            if let day = change.expected_date {
                guard let date = Open311Dates.parse(day) else { return problem(.badRequest, "expected_date must be a date like 2026-12-01") }
                expected = date
            }
            let publicUpdate = change.public_update.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : String($0.prefix(500)) }
            let note = change.internal_note.map { String($0.prefix(2000)) }
            let action = TicketAction.status(status, publicUpdate: publicUpdate, internalNote: note, expectedAt: expected)
            return try await act(action, on: reference, moe: moe, address: context.clientAddress)
        }
        router.post("/api/v1/tickets/:reference/priority") { request, context in
            if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            guard let moe = try await moe(request) else { return unauthorized() }
            guard let reference = try? Reference(parsing: context.parameters.require("reference")) else { return problem(.notFound, "no such ticket") }
            var request = request
            let body = try await request.collectBody(upTo: 16 * 1024)
            guard let change = try? JSONDecoder().decode(PriorityChange.self, from: Data(buffer: body)),
                  let priority = TicketPriority(rawValue: change.priority) else {
                return problem(.badRequest, "send JSON: {\"priority\": \"urgent\" or \"normal\", \"reason\": \"...\"}")
            }
            return try await act(.prioritise(priority, reason: String((change.reason ?? "").prefix(300))), on: reference, moe: moe,
                                 address: context.clientAddress)
        }
    }

    /// `POST /api/v1/tickets/{reference}/assign` `{"crew": "<name>"}`: to one of the MOE's crews,
    /// whose members get the job card. Another MOE's crew, or none of that name: 404 naming it.
    func assignRoute(on router: Router<WebContext>) {
        router.post("/api/v1/tickets/:reference/assign") { request, context in
            if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            guard let moe = try await moe(request) else { return unauthorized() }
            guard let reference = try? Reference(parsing: context.parameters.require("reference")) else { return problem(.notFound, "no such ticket") }
            var request = request
            let body = try await request.collectBody(upTo: 16 * 1024)
            guard let assignment = try? JSONDecoder().decode(CrewAssignment.self, from: Data(buffer: body)),
                  let name = Crew.validName(assignment.crew) else {
                return problem(.badRequest, "send JSON: {\"crew\": \"<the crew's name>\"}")
            }
            return try await answer(crews.assign(reference, to: name, scope: moe, actor: "api:\(moe)", address: context.clientAddress),
                                    reference, moe: moe)
        }
    }

    struct CrewAssignment: Decodable {
        var crew: String
    }

    struct PriorityChange: Decodable {
        var priority: String
        var reason: String?
    }

    /// An action through the ticket desk, answered with the ticket as it now stands.
    func act(_ action: TicketAction, on reference: Reference, moe: String, address: String?) async throws -> Response {
        try await answer(tickets.perform(action, on: reference, scope: moe, actor: "api:\(moe)", address: address), reference, moe: moe)
    }

    /// The outcome of an action: the ticket as it now stands, or why not.
    func answer(_ outcome: ActionOutcome, _ reference: Reference, moe: String) async throws -> Response {
        switch outcome {
        case .done: break
        case .notFound: return problem(.notFound, "no such ticket")
        case .noSuchCrew(let name): return problem(.notFound, "no crew called '\(name)' in \(moe)")
        case .refused(let why): return problem(.conflict, why)
        }
        return json(try await staff.ticket(reference, moe: moe).map { APITicket($0, now: clock.now()) })
    }

    struct Listing: Encodable {
        var tickets: [APITicket]
        var total: Int
        var page: Int
        /// Open possible duplicates waiting on a dispatcher (`possible_duplicates=1` lists them).
        var possible_duplicates: Int
    }

    struct StatusChange: Decodable {
        var status: String
        var public_update: String?
        var internal_note: String?
        var expected_date: String?
    }

    func moe(_ request: Request) async throws -> String? {
        guard let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") else { return nil }
        return try await staff.moe(forToken: String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces))
    }

    func unauthorized() -> Response { problem(.unauthorized, "an MOE API token is needed: Authorization: Bearer <token>") }

    func problem(_ status: HTTPResponse.Status, _ message: String) -> Response { json(["error": message], status: status) }

    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        // The same JSON as the webhooks' (`data` is what this API shows).
        let encoder = WebhookBody.encoder(timeZone: engine.settings.calendar.timeZone)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: (try? encoder.encode(value)) ?? Data())))
    }
}

/// `GET /api/v1/indicators`: the period, the MOE and its figures (docs/indicators.md).
struct IndicatorReport: Encodable {
    var moe: String
    var from: String
    var to: String
    var indicators: Indicators
    /// The incidents declared in the period.
    var incidents: IncidentFigures
    /// The jobs given to crews in the period.
    var field: FieldFigures

    enum Keys: String, CodingKey { case moe, from, to, incidents, field }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(moe, forKey: .moe)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(incidents, forKey: .incidents)
        try c.encode(field, forKey: .field)
        try indicators.encode(to: encoder)
    }
}
