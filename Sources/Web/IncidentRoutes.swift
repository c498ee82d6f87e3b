import Domain
import Foundation
import Gateway
import Hummingbird
import NIOCore

/// Incidents in the MOE API: declare one for a service of the token's MOE in some areas, update
/// it (a public update; areas only grow), close it, list the open ones. Another MOE's incident is
/// a 404. Every change is in the incident's history and the audit log.
extension MOEApiRoutes {
    func registerIncidents(on router: Router<WebContext>) {
        router.get("/api/v1/incidents") { request, context in
            if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            guard let moe = try await moe(request) else { return unauthorized() }
            let now = clock.now()
            return json(["incidents": try await staff.openIncidents(moe: moe).map { APIIncident($0, at: now) }])
        }
        router.post("/api/v1/incidents") { request, context in
            if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            guard let moe = try await moe(request) else { return unauthorized() }
            let draft: IncidentDraft
            switch try await incidentDraft(request) {
            case .draft(let d): draft = d
            case .refused(let response): return response
            }
            switch try await desk.declare(draft, moe: moe, planned: draft.startsAt != nil, actor: "api:\(moe)",
                                          address: context.clientAddress) {
            case .done(let incident): return json(APIIncident(incident, at: clock.now()), status: .created)
            case .refused(let problem): return self.problem(.badRequest, problem.description)
            case .notFound: return problem(.notFound, "no such incident")
            }
        }
        router.get("/api/v1/incidents/:id") { request, context in
            if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            guard let moe = try await moe(request) else { return unauthorized() }
            guard let id = Self.incidentID(context), let incident = try await staff.incident(id, moe: moe) else { return problem(.notFound, "no such incident") }
            var out = APIIncident(incident, at: clock.now())
            out.history = try await staff.incidentHistory(id).map(APIIncident.Entry.init)
            let reach = try await staff.incidentReach(id, limit: 100)
            (out.linked_tickets, out.attached_residents) = (reach.linkedCount, reach.residents)
            out.tickets = reach.tickets.map { APIIncident.Linked(reference: $0.reference.digits, fault: $0.fault, area: $0.area, status: $0.status.rawValue) }
            return json(out)
        }
        router.post("/api/v1/incidents/:id/tickets") { request, context in
            if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            guard let moe = try await moe(request) else { return unauthorized() }
            guard let id = Self.incidentID(context), let incident = try await staff.incident(id, moe: moe) else { return problem(.notFound, "no such incident") }
            let selection: TicketSelection
            switch try await ticketSelection(request, incident) {
            case .success(let s): selection = s
            case .failure(let refusal): return problem(.badRequest, refusal.message)
            }
            guard incident.isOpen else { return problem(.conflict, IncidentProblem.closed.description) }
            let linked = try await staff.linkTickets(to: id, moe: moe, selection, actor: "api:\(moe)", address: context.clientAddress, at: clock.now())
            return json(["linked": linked ?? 0])
        }
        router.delete("/api/v1/incidents/:id/tickets/:reference") { request, context in
            if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            guard let moe = try await moe(request) else { return unauthorized() }
            guard let id = Self.incidentID(context), let text = context.parameters.get("reference"), let reference = try? Reference(parsing: text),
                  try await staff.unlinkTicket(reference, from: id, moe: moe, actor: "api:\(moe)", address: context.clientAddress, at: clock.now())
            else { return problem(.notFound, "no such ticket linked to this incident") }
            return json(["unlinked": reference.digits])
        }
        router.post("/api/v1/incidents/:id") { request, context in
            try await changeIncident(request, context, closing: false)
        }
        router.post("/api/v1/incidents/:id/close") { request, context in
            try await changeIncident(request, context, closing: true)
        }
    }

    func changeIncident(_ request: Request, _ context: WebContext, closing: Bool) async throws -> Response {
        if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
        guard let moe = try await moe(request) else { return unauthorized() }
        guard let id = Self.incidentID(context) else { return problem(.notFound, "no such incident") }
        let draft: IncidentDraft
        switch try await incidentDraft(request) {
        case .draft(let d): draft = d
        case .refused(let response): return response
        }
        if !closing, draft == IncidentDraft() {
            return problem(.badRequest, "nothing to change: send any of faults, areas, description, expected_at, starts_at")
        }
        switch try await desk.change(id, moe: moe, draft, closing: closing, actor: "api:\(moe)", address: context.clientAddress) {
        case .done(let changed): return json(APIIncident(changed, at: clock.now()))
        case .notFound: return problem(.notFound, "no such incident")
        case .refused(.closed): return problem(.conflict, IncidentProblem.closed.description)
        case .refused(.missing("description")) where closing: return problem(.badRequest, "send JSON: {\"description\": \"Power is back in Soweto.\"}")
        case .refused(let problem): return self.problem(.badRequest, problem.description)
        }
    }

    var desk: IncidentDesk { IncidentDesk(store: staff, engine: engine, clock: clock) }

    static func incidentID(_ context: WebContext) -> Int64? {
        context.parameters.get("id").flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    /// The request's JSON as a draft, or the 400 that explains the shape.
    func incidentDraft(_ request: Request) async throws -> Parsed {
        let shape = "send JSON: {\"service\": \"electricity\", \"faults\": [\"outage\"], \"areas\": [\"soweto\"], \"description\": \"...\", "
            + "\"expected_at\": \"2026-12-01T18:00:00+02:00\"} (faults and expected_at optional; planned works: \"planned\": true with "
            + "\"starts_at\" and \"expected_at\", the end)"
        var request = request
        guard let body = try? await request.collectBody(upTo: 16 * 1024),
              let input = try? JSONDecoder().decode(IncidentInput.self, from: Data(buffer: body)) else {
            return .refused(problem(.badRequest, shape))
        }
        var expected: Date?
        if let text = input.expected_at {
            guard let date = Open311Dates.parse(text) else { return .refused(problem(.badRequest, "expected_at must be a time like 2026-12-01T18:00:00+02:00")) }
            expected = date
        }
        var starts: Date?
        if let text = input.starts_at {
            guard let date = Open311Dates.parse(text) else { return .refused(problem(.badRequest, "starts_at must be a time like 2026-12-01T08:00:00+02:00")) }
            starts = date
        }
        if input.planned == true && starts == nil { return .refused(problem(.badRequest, IncidentProblem.missing("starts_at").description)) }
        if input.planned == false && starts != nil { return .refused(problem(.badRequest, IncidentProblem.notPlanned.description)) }
        return .draft(IncidentDraft(service: input.service, faults: input.faults, areas: input.areas, description: input.description,
                                      expectedAt: expected, startsAt: starts))
    }

    struct Refusal: Error {
        var message: String
    }

    /// Which tickets to link: `{"areas": [...], "faults": [...], "since": "...", "references": [...]}`, every field optional,
    /// the areas within the incident's.
    func ticketSelection(_ request: Request, _ incident: Incident) async throws -> Result<TicketSelection, Refusal> {
        struct Input: Decodable {
            var areas: [String]?
            var faults: [String]?
            var since: String?
            var references: [String]?
        }
        let shape = "send JSON: {\"areas\": [\"soweto\"], \"faults\": [\"outage\"], \"since\": \"2026-12-01T06:00:00+02:00\", "
            + "\"references\": [\"482109375\"]} (each optional: the incident's areas, any fault, any time, any ticket)"
        var request = request
        guard let body = try? await request.collectBody(upTo: 64 * 1024),
              let input = body.readableBytes == 0 ? Input() : try? JSONDecoder().decode(Input.self, from: Data(buffer: body)) else {
            return .failure(Refusal(message: shape))
        }
        if let bad = input.areas?.first(where: { !incident.areas.contains($0) }) { return .failure(Refusal(message: "area '\(bad)' is not in this incident")) }
        let faults = engine.catalogue.service(incident.service)?.faults.map(\.code) ?? []
        if let bad = input.faults?.first(where: { !faults.contains($0) }) { return .failure(Refusal(message: "unknown fault type '\(bad)' for this service")) }
        var since: Date?
        if let text = input.since {
            guard let date = Open311Dates.parse(text) else { return .failure(Refusal(message: "since must be a time like 2026-12-01T06:00:00+02:00")) }
            since = date
        }
        var references: [Reference] = []
        for text in input.references ?? [] {
            guard let r = try? Reference(parsing: text) else { return .failure(Refusal(message: "'\(text)' is not a reference")) }
            references.append(r)
        }
        guard references.count <= 1000 else { return .failure(Refusal(message: "more than 1000 references")) }
        return .success(TicketSelection(areas: input.areas ?? [], faults: input.faults ?? [], since: since, references: references))
    }

    enum Parsed {
        case draft(IncidentDraft)
        case refused(Response)
    }

    struct IncidentInput: Decodable {
        var service: String?
        var faults: [String]?
        var areas: [String]?
        var description: String?
        var expected_at: String?
        var planned: Bool?
        var starts_at: String?
    }
}

