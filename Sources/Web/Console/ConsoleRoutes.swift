import Channels
import Domain
import FlowEngine
import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The dispatcher console under `/console/`: server-rendered pages, forms that work without
/// JavaScript. Every route finds the session first; every POST checks the session's CSRF token;
/// every ticket is looked up within the user's MOE, so another MOE's ticket is a 404.
struct ConsoleRoutes: Sendable {
    /// Each page group's own port (one store may serve them all): the queue and tickets, the
    /// audit log, sign-in and sessions, the admin's accounts and tokens, incidents.
    let queue: any DispatchStore
    let auditLog: any AuditLog
    let sessions: any StaffSessions
    let accounts: any StaffAccounts & StaffAdministration & MOETokens
    let incidents: any IncidentStore
    /// Area alerts: who an incident's alerts reach, what is scheduled, the incidents of the last week.
    let alerts: any AreaAlertStore
    let roster: any CrewRoster
    let finder: any DuplicateFinder
    let figures: FigureRollup
    let engine: FlowEngine
    let clock: any WallClock
    let settings: ConsoleSettings
    let logger: Logger
    let limiter: RateLimiter
    let limits: RateLimits
    /// Served over https (`CIVICGATE_PUBLIC_URL`): cookies are `Secure`.
    let secureCookies: Bool
    /// Organisations' members' pages and the admin's organisation pages; nil without an organisation store.
    var portal: (any OrganisationPortal)? = nil

    /// Every action on a ticket goes through the desk: the rules, the wording, one unit of work.
    var tickets: TicketDesk { TicketDesk(ledger: queue, engine: engine, clock: clock) }
    var bulk: BulkReports? = nil
    /// The admin's Webhooks page: subscriptions added through the desk, listed and changed in the store.
    var webhooks: WebhookDesk? = nil
    var webhookStore: (any WebhookStore)? = nil

    static let sessionCookie = "cg_session"
    static let signInCookie = "cg_signin"

    var pages: ConsolePages { ConsolePages(text: ConsoleText(engine: engine, timeZone: engine.settings.calendar.timeZone)) }

    func register(on router: Router<WebContext>) {
        router.get("/console/style.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: ConsoleTemplates.css)))
        }
        router.get("/console/") { request, _ in
            guard let session = try await anySession(request) else { return signInPage() }
            if session.user.role == .organisation { return try await organisationReports(request, session) }
            let filters = QueueFilters(parameters(request), catalogue: engine.catalogue)
            let list = try await queue.worklist(filters.query(scope: scope(session)), now: clock.now())
            let flash = Self.flash(request.uri.queryParameters["done"])
            return html(pages.queue(list, filters: filters, session: session, now: clock.now(), flash: flash,
                                    incidents: try await currentIncidents(moe: scope(session)), crews: try await crewDesk.crews(moe: scope(session))))
        }
        router.post("/console/sign-in") { request, context in
            if let wait = await limiter.take(limits.signIn, "sign-in", address: context.clientAddress) {
                return signInPage(error: "Too many sign-in attempts from your network. Try again in \(wait) seconds.", status: .tooManyRequests,
                                  retryAfter: wait)
            }
            return try await signIn(request, address: context.clientAddress)
        }
        router.post("/console/sign-out") { request, context in
            guard let (session, _) = try await authorised(request, member: true) else { return expired() }
            if let token = request.cookies[Self.sessionCookie]?.value { try await sessions.closeSession(token) }
            try await auditLog.audit(actor: session.user.username, action: .signedOut, reference: nil, detail: nil, address: context.clientAddress,
                                  at: clock.now())
            var response = Response(status: .seeOther, headers: [.location: "/console/"])
            response.setCookie(cookie(Self.sessionCookie, "", maxAge: 0))
            return response
        }
        router.get("/console/export.csv") { request, context in
            guard let session = try await session(request) else { return signInPage() }
            return try await export(QueueFilters(parameters(request), catalogue: engine.catalogue), session: session, address: context.clientAddress)
        }
        router.get("/console/dashboard") { request, _ in
            guard let session = try await session(request) else { return signInPage() }
            let (figures, filters) = try await dashboardFigures(request, session)
            let calendar = engine.settings.calendar
            let open = try await currentIncidents(moe: filters.moe)
            let declared = IncidentFigures(try await incidents.incidentRecords(moe: filters.moe, from: filters.from, to: filters.to))
            let field = FieldFigures(try await roster.fieldRecords(moe: filters.moe, from: filters.from, to: filters.to))
            return html(pages.dashboard(figures, filters: filters, session: session, catalogue: engine.catalogue, calendar: calendar,
                                        csv: filters.address(calendar), incidents: open, incidentFigures: declared, fieldFigures: field))
        }
        router.get("/console/dashboard.csv") { request, context in
            guard let session = try await session(request) else { return signInPage() }
            let (figures, filters) = try await dashboardFigures(request, session)
            let calendar = engine.settings.calendar
            let name = "civicgate-indicators-\(filters.moe ?? "all")-\(calendar.day(filters.from))-\(calendar.day(filters.to.addingTimeInterval(-1))).csv"
            try await auditLog.audit(actor: session.user.username, action: .indicatorsExport, reference: nil, detail: name, address: context.clientAddress,
                                  at: clock.now())
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"",
                                                   .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: figures.csv(serviceName: pages.text.service))))
        }
        router.get("/console/audit") { request, _ in
            guard let session = try await session(request) else { return signInPage() }
            // Admins read all of it; a supervisor reads their MOE's tickets' entries.
            guard session.user.role != .dispatcher else { return notFound(session) }
            let page = request.uri.queryParameters["page"].flatMap { Int($0) }.map { min(max(1, $0), 100_000) } ?? 1
            let entries = try await auditLog.auditEntries(scope: scope(session), limit: 101, offset: Paging.offset(page: page, size: 100))
            return html(pages.audit(Array(entries.prefix(100)), page: page, more: entries.count > 100, session: session))
        }
        router.get("/console/tickets/:reference") { request, context in
            guard let session = try await session(request) else { return signInPage() }
            guard let reference = try? Reference(parsing: context.parameters.require("reference")),
                  let file = try await queue.file(reference, scope: scope(session)) else { return notFound(session) }
            let flash = Self.flash(request.uri.queryParameters["done"])
            let likely = try await LikelyDuplicateSearch(finder: finder, rules: engine.duplicateRules).likely(reference, scope: scope(session))
            return html(pages.ticket(file, session: session, now: clock.now(), flash: flash, crews: try await crewChoices(moe: file.ticket.moe),
                                     likely: likely))
        }
        router.post("/console/tickets/:reference/:action") { request, context in
            guard let (session, form) = try await authorised(request) else { return expired() }
            guard let reference = try? Reference(parsing: context.parameters.require("reference")) else { return notFound(session) }
            let name = context.parameters.get("action") ?? ""
            if name == "show-number" { return try await showNumber(reference, session: session, address: context.clientAddress) }
            let action: TicketAction
            switch ConsoleForms.action(name, form, catalogue: engine.catalogue) {
            case .success(let a): action = a
            case .failure(.unknownAction): return notFound(session)
            case .failure(let problem): return try await ticketPage(reference, session: session, error: problem.description, status: .unprocessableContent)
            }
            switch try await tickets.perform(action, on: reference, scope: scope(session), actor: session.user.username, address: context.clientAddress) {
            case .done: return Response(status: .seeOther, headers: [.location: "/console/tickets/\(reference.digits)?done=\(name)"])
            case .notFound: return notFound(session)
            case .refused(let why), .noSuchCrew(let why): return try await ticketPage(reference, session: session, error: why, status: .conflict)
            }
        }
        registerIncidents(on: router)
        registerOrganisationPages(on: router)
        registerAdministration(on: router)
        registerWebhooks(on: router)
        registerCrews(on: router)
        router.post("/console/bulk") { request, context in
            guard let (session, form) = try await authorised(request) else { return expired() }
            // Back to the same filters: only a query string of the queue's own making is followed.
            let back = form["back"].flatMap { $0.range(of: "^\\?[A-Za-z0-9_.~%=&-]{0,300}$", options: .regularExpression) != nil && !$0.contains("done=") ? $0 : nil } ?? ""
            let (scope, actor, address) = (scope(session), session.user.username, context.clientAddress)
            // One action for each ticket ticked, through the desk (or the crew desk).
            let act: @Sendable (Reference) async throws -> ActionOutcome
            switch form["action"] {
            case "acknowledge": act = { try await tickets.perform(.acknowledge, on: $0, scope: scope, actor: actor, address: address) }
            case "assign":
                let assignee = (form["assignee"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                guard !assignee.isEmpty else { return html(pages.message("Nothing assigned", "Type a crew or person next to Assign.", session: session, href: "/console/" + back), status: .unprocessableContent) }
                let action = TicketAction.assign(to: String(assignee.prefix(80)))
                act = { try await tickets.perform(action, on: $0, scope: scope, actor: actor, address: address) }
            case "assign-crew":
                guard let crew = Crew.validName(form["crew"] ?? "") else {
                    return html(pages.message("Nothing assigned", "Choose a crew next to Assign to crew.", session: session, href: "/console/" + back), status: .unprocessableContent)
                }
                act = { try await crewDesk.assign($0, to: crew, scope: scope, actor: actor, address: address) }
            default: return html(pages.message("Nothing done", "Choose Acknowledge or Assign.", session: session), status: .badRequest)
            }
            var done = 0
            for raw in form.values("ref").prefix(500) {
                guard let reference = try? Reference(parsing: raw) else { continue }
                if try await act(reference) == .done { done += 1 }
            }
            let separator = back.isEmpty ? "?" : "&"
            return Response(status: .seeOther, headers: [.location: "/console/\(back)\(separator)done=bulk-\(done)"])
        }
    }

    /// Fixed confirmations, chosen by a code in the address (never text from the address itself).
    static func flash(_ code: Substring?) -> String? {
        guard let code else { return nil }
        if code.hasPrefix("bulk-"), let n = Int(code.dropFirst(5)) { return n == 1 ? "1 ticket updated." : "\(n) tickets updated." }
        return switch code {
        case "acknowledge": "Acknowledged. The reporters will get an SMS."
        case "assign": "Assigned."
        case "assign-crew": "Given to the crew. Its members get the job card by SMS."
        case "status": "Status saved."
        case "reroute": "Re-routed. The other MOE now has this ticket."
        case "duplicate": "Marked as duplicate. Its reporters will get the original ticket's updates."
        case "priority": "Priority changed."
        default: nil
        }
    }

    /// The ticket page with what went wrong; another MOE's ticket stays a 404 whatever the form said.
    func ticketPage(_ reference: Reference, session: StaffSession, error: String, status: HTTPResponse.Status) async throws -> Response {
        guard let file = try await queue.file(reference, scope: scope(session)) else { return notFound(session) }
        return html(pages.ticket(file, session: session, now: clock.now(), error: error, crews: try await crewChoices(moe: file.ticket.moe)), status: status)
    }

    /// The page with the reporter's number in full, written to the audit log first.
    func showNumber(_ reference: Reference, session: StaffSession, address: String) async throws -> Response {
        guard let file = try await queue.file(reference, scope: scope(session)) else { return notFound(session) }
        guard file.reporter != nil || file.details != nil else { return html(pages.ticket(file, session: session, now: clock.now())) }
        try await auditLog.audit(actor: session.user.username, action: .showNumber, reference: reference,
                              detail: file.reporter?.masked ?? file.details?.masked, address: address, at: clock.now())
        return html(pages.ticket(file, session: session, now: clock.now(), reveal: true))
    }

    func scope(_ session: StaffSession) -> String? { session.user.role == .admin ? nil : session.user.moe }

    /// The dashboard's figures for the filters in the address, within what the user may see.
    func dashboardFigures(_ request: Request, _ session: StaffSession) async throws -> (DashboardFigures, DashboardFilters) {
        let calendar = engine.settings.calendar, now = clock.now()
        let filters = DashboardFilters(parameters(request), catalogue: engine.catalogue, calendar: calendar, now: now, session: session)
        let (fromDay, toDay) = (calendar.dayNumber(filters.from), calendar.dayNumber(filters.to))
        let (rows, outside) = try await figures.figuresWithBacklog(FigureFilter(moe: filters.moe, service: filters.service, area: filters.area),
                                                                   fromDay: fromDay, toDay: toDay)
        return (DashboardFigures(rows, outside: outside, fromDay: fromDay, toDay: toDay, services: engine.catalogue.services.map(\.code),
                                 calendar: calendar, now: now,
                                 moes: engine.catalogue.moes.map(\.code), areas: engine.catalogue.areas.map(\.code)),
                filters)
    }

    /// An MOE staff member's or an admin's session. Deny by default: an organisation's member
    /// reaches only the pages made for them (`memberSession`), every other page is a 404.
    func session(_ request: Request) async throws -> StaffSession? {
        guard let session = try await anySession(request) else { return nil }
        if session.user.role == .organisation { throw ConsoleNotFound(page: notFound(session)) }
        return session
    }

    /// Anyone signed in, organisation members included.
    func anySession(_ request: Request) async throws -> StaffSession? {
        guard let token = request.cookies[Self.sessionCookie]?.value, !token.isEmpty else { return nil }
        return try await sessions.session(token, at: clock.now(), idle: settings.idleTimeout, lifetime: settings.lifetime)
    }

    /// The session and the posted form, if the form carries the session's CSRF token. Only MOE
    /// staff and admins, unless `member` (pages for organisations' members, and signing out).
    func authorised(_ request: Request, member: Bool = false) async throws -> (StaffSession, FormBody)? {
        guard let session = try await member ? anySession(request) : session(request), let form = try await form(request),
              let token = form["csrf"], ConstantTime.equal(token, session.csrf) else { return nil }
        return (session, form)
    }

    func form(_ request: Request) async throws -> FormBody? {
        var request = request
        guard let body = try? await request.collectBody(upTo: 64 * 1024) else { return nil }
        return try? FormBody(parsing: Array(buffer: body))
    }

    func signIn(_ request: Request, address: String) async throws -> Response {
        guard let form = try await form(request), let token = form["csrf"], let expected = request.cookies[Self.signInCookie]?.value,
              ConstantTime.equal(token, expected) else {
            return signInPage(error: "The sign-in form had expired. Please sign in again.", status: .forbidden)
        }
        let username = String((form["username"] ?? "").trimmingCharacters(in: .whitespaces).prefix(64))
        let now = clock.now()
        switch try await sessions.signIn(username: username, password: String((form["password"] ?? "").prefix(200)), address: address, at: now) {
        case .signedIn(let user):
            let (token, _) = try await sessions.openSession(for: user, address: address, at: now)
            var response = Response(status: .seeOther, headers: [.location: "/console/"])
            response.setCookie(cookie(Self.sessionCookie, token))
            response.setCookie(cookie(Self.signInCookie, "", maxAge: 0))
            logger.info("console sign-in", metadata: ["user": "\(user.username)"])
            return response
        case .refused:
            return signInPage(username: username, error: "Wrong username or password.", status: .unauthorized)
        case .throttled(let wait):
            // The same words whether or not the username exists.
            let seconds = Int(min(wait, 3600))
            return signInPage(username: username, error: "Too many failed sign-ins. Wait \(Self.duration(seconds)) and try again; an administrator can reset your password.",
                              status: .tooManyRequests, retryAfter: seconds)
        case .busy:
            return signInPage(username: username, error: "The console is busy. Try again in a few seconds.", status: .serviceUnavailable, retryAfter: 2)
        }
    }

    static func duration(_ seconds: Int) -> String {
        seconds < 90 ? "\(seconds) seconds" : "\((seconds + 59) / 60) minutes"
    }

    func signInPage(username: String = "", error: String? = nil, status: HTTPResponse.Status = .ok, retryAfter: Int? = nil) -> Response {
        let csrf = Secret.random(32, from: Secret.alphanumeric)
        var response = html(pages.signIn(csrf: csrf, username: username, error: error), status: status)
        response.setCookie(cookie(Self.signInCookie, csrf))
        if let retryAfter { response.headers[.retryAfter] = "\(retryAfter)" }
        return response
    }

    func expired() -> Response {
        signInPage(error: "Your session has ended or the form had expired. Please sign in again.", status: .forbidden)
    }

    func notFound(_ session: StaffSession) -> Response {
        let home = session.user.role == .organisation ? "Back to your reports" : "Back to the queue"
        return html(pages.message("Not found", session.user.role == .organisation ? "There is no such report or page for your organisation."
                                                : "There is no such ticket or page in your queues.", session: session, link: home),
                    status: .notFound)
    }

    func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/console", secure: secureCookies, httpOnly: true, sameSite: .strict)
    }

    func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    func parameters(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in request.uri.queryParameters where out[String(k)] == nil { out[String(k)] = String(v) }
        return out
    }
}

/// A page that is not for this user: the console's own 404 page, whatever the route was about to do.
struct ConsoleNotFound: HTTPResponseError {
    let page: Response
    var status: HTTPResponse.Status { .notFound }
    func response(from request: Request, context: some RequestContext) throws -> Response { page }
}
