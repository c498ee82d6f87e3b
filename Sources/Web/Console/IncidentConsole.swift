import Channels
import Domain
import Foundation
import Gateway
import HTTPTypes
import Hummingbird

/// Incidents in the console: the open ones with a form to declare one; an incident's page with
/// its history and linked tickets, and forms to update, extend, link tickets, unlink one, close.
/// A dispatcher or supervisor acts for their MOE; an administrator for the incident's MOE.
extension ConsoleRoutes {
    func registerIncidents(on router: Router<WebContext>) {
        router.get("/console/incidents") { request, _ in
            guard let session = try await session(request) else { return signInPage() }
            return try await incidentList(session)
        }
        router.post("/console/incidents") { request, context in
            guard let (session, form) = try await authorised(request) else { return expired() }
            if let problem = unreadableTime(form) { return try await incidentList(session, error: problem) }
            let draft = incidentDraft(form)
            let service = draft.service.flatMap(engine.catalogue.service)
            guard let moe = service.map(\.moe), scope(session) == nil || scope(session) == moe else {
                return try await incidentList(session, error: "Choose one of your services.")
            }
            let planned = form["planned"] == "1" || draft.startsAt != nil
            switch try await desk.declare(draft, moe: moe, planned: planned, actor: session.user.username, address: context.clientAddress) {
            case .done(let incident): return Response(status: .seeOther, headers: [.location: "/console/incidents/\(incident.id)?done=declared"])
            case .refused(let problem): return try await incidentList(session, error: Self.sentence(problem))
            case .notFound: return notFound(session)
            }
        }
        router.get("/console/incidents/:id") { request, context in
            guard let session = try await session(request) else { return signInPage() }
            guard let incident = try await incident(context, session) else { return notFound(session) }
            return try await incidentPage(incident, session: session, flash: Self.incidentFlash(request.uri.queryParameters["done"]))
        }
        router.post("/console/incidents/:id/:action") { request, context in
            guard let (session, form) = try await authorised(request) else { return expired() }
            guard let incident = try await incident(context, session) else { return notFound(session) }
            let name = context.parameters.get("action") ?? ""
            if let problem = unreadableTime(form) {
                return try await incidentPage(incident, session: session, error: problem, status: .unprocessableContent)
            }
            let actor = session.user.username, address = context.clientAddress
            let outcome: IncidentDesk.Outcome
            switch name {
            case "update", "close":
                var draft = incidentDraft(form)
                draft.service = nil
                draft.faults = nil
                if let added = draft.areas { draft.areas = incident.areas + added }
                if name == "update", draft == IncidentDraft() {
                    return try await incidentPage(incident, session: session, error: "Write an update, give a time or add an area.", status: .unprocessableContent)
                }
                outcome = try await desk.change(incident.id, moe: incident.moe, draft, closing: name == "close", actor: actor, address: address)
            case "link":
                let area = form["area"].flatMap { incident.areas.contains($0) ? $0 : nil }
                let fault = form["fault"].flatMap { f in engine.catalogue.service(incident.service)?.faults.contains { $0.code == f } == true ? f : nil }
                let since = form["since"].flatMap { engine.settings.calendar.date(ofDay: $0) }
                guard incident.isOpen else { return try await incidentPage(incident, session: session, error: "The incident is closed.", status: .conflict) }
                let linked = try await incidents.linkTickets(to: incident.id, moe: incident.moe,
                                                         TicketSelection(areas: area.map { [$0] } ?? [], faults: fault.map { [$0] } ?? [], since: since),
                                                         actor: actor, address: address, at: clock.now()) ?? 0
                return Response(status: .seeOther, headers: [.location: "/console/incidents/\(incident.id)?done=linked-\(linked)"])
            case "unlink":
                guard let reference = try? Reference(parsing: form["ref"] ?? ""),
                      try await incidents.unlinkTicket(reference, from: incident.id, moe: incident.moe, actor: actor, address: address, at: clock.now()) else {
                    return try await incidentPage(incident, session: session, error: "That ticket is not linked to this incident.", status: .unprocessableContent)
                }
                return Response(status: .seeOther, headers: [.location: "/console/incidents/\(incident.id)?done=unlinked"])
            default:
                return notFound(session)
            }
            switch outcome {
            case .done: return Response(status: .seeOther, headers: [.location: "/console/incidents/\(incident.id)?done=\(name)"])
            case .notFound: return notFound(session)
            case .refused(let problem):
                return try await incidentPage(incident, session: session, error: Self.sentence(problem), status: problem == .closed ? .conflict : .unprocessableContent)
            }
        }
    }

    var desk: IncidentDesk { IncidentDesk(store: incidents, engine: engine, clock: clock) }

    /// The open incidents under way (planned works once started), for the queue and the dashboard.
    func currentIncidents(moe: String?) async throws -> [Incident] {
        let now = clock.now()
        return try await incidents.openIncidents(moe: moe).filter { $0.beginsAt <= now }
    }

    /// Planned works, current incidents and those closed in the last week, each with how many
    /// numbers its area alerts reach; with the form to declare one.
    func incidentList(_ session: StaffSession, error: String? = nil) async throws -> Response {
        let now = clock.now()
        let scope = scope(session)
        let shown = try await alerts.publishedIncidents(closedSince: now.addingTimeInterval(-IncidentFeed.keptAfterClosing))
            .filter { scope == nil || $0.moe == scope }
        var reach: [Int64: Int] = [:]
        for incident in shown where incident.isOpen { reach[incident.id] = try await alerts.alertReach(areas: incident.areas) }
        return html(pages.incidentList(shown, reach: reach, now: now, session: session, error: error), status: error == nil ? .ok : .unprocessableContent)
    }

    /// The incident in the address, if the user's MOE has it (an administrator: any MOE's).
    func incident(_ context: WebContext, _ session: StaffSession) async throws -> Incident? {
        guard let id = context.parameters.get("id").flatMap({ Int64($0) }), id > 0 else { return nil }
        for moe in scope(session).map({ [$0] }) ?? engine.catalogue.moes.map(\.code) {
            if let incident = try await incidents.incident(id, moe: moe) { return incident }
        }
        return nil
    }

    func incidentPage(_ incident: Incident, session: StaffSession, flash: String? = nil, error: String? = nil,
                      status: HTTPResponse.Status = .ok) async throws -> Response {
        let history = try await incidents.incidentHistory(incident.id)
        let reach = try await incidents.incidentReach(incident.id, limit: 200)
        let subscribers = incident.isOpen ? try await alerts.alertReach(areas: incident.areas) : 0
        let scheduled = try await alerts.areaAlerts(ofIncident: incident.id)
        return html(pages.incident(incident, history: history, reach: reach, subscribers: subscribers, alerts: scheduled, now: clock.now(), session: session,
                                   flash: flash, error: error), status: status)
    }

    /// What the form says, as a draft: `service`, `fault` (service.fault), `area`, `description`, `expected`.
    func incidentDraft(_ form: FormBody) -> IncidentDraft {
        let service = form["service"].map { String($0.prefix(40)) }
        // The form lists every fault as service.fault; one of another service is refused by the rules.
        let faults = form.values("fault").prefix(50).compactMap { value in value.split(separator: ".", maxSplits: 1).last.map(String.init) }
        let areas = Array(form.values("area").prefix(IncidentRules.maxAreas + 1).map { String($0.prefix(40)) })
        let description = form["description"].map { String($0.prefix(IncidentRules.maxDescription + 1)) }
        let expected = form["expected"].flatMap { $0.isEmpty ? nil : engine.settings.calendar.date(ofMoment: $0) }
        let starts = form["starts"].flatMap { $0.isEmpty ? nil : engine.settings.calendar.date(ofMoment: $0) }
        return IncidentDraft(service: service, faults: faults.isEmpty ? nil : faults, areas: areas.isEmpty ? nil : areas,
                             description: description?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == false ? description : nil,
                             expectedAt: expected, startsAt: starts)
    }

    /// A time or date the form gave that cannot be read: said, rather than taken as not given.
    func unreadableTime(_ form: FormBody) -> String? {
        let calendar = engine.settings.calendar
        if let text = form["expected"], !text.isEmpty, calendar.date(ofMoment: text) == nil {
            return "The expected time must be a date and time like 2026-12-01 18:00."
        }
        if let text = form["starts"], !text.isEmpty, calendar.date(ofMoment: text) == nil {
            return "The start must be a date and time like 2026-12-01 08:00."
        }
        if let text = form["since"], !text.isEmpty, calendar.date(ofDay: text) == nil {
            return "Received since must be a date like 2026-12-01."
        }
        return nil
    }

    static func sentence(_ problem: IncidentProblem) -> String {
        // The form's own words for planned works; the rest as the API says them.
        switch problem {
        case .missing("starts_at"): return "Give the start of the planned works."
        case .missing("expected_at"): return "Give the end of the planned works."
        case .startInPast: return "Planned works must start in the future."
        case .endBeforeStart: return "Planned works must end after they start."
        case .notPlanned: return "Tick \"Planned works\" to give a start."
        case .alreadyStarted: return "The planned works have started: their start cannot move."
        default: break
        }
        let text = problem.description
        return text.prefix(1).uppercased() + text.dropFirst() + "."
    }

    static func incidentFlash(_ code: Substring?) -> String? {
        guard let code else { return nil }
        if code.hasPrefix("linked-"), let n = Int(code.dropFirst(7)) { return n == 1 ? "1 ticket linked." : "\(n) tickets linked." }
        return switch code {
        case "declared": "Declared. Residents reporting it are told at once; area subscribers get their alert (planned works: the evening before, or at once if sooner)."
        case "update": "Saved. The update is on its way to the residents it reaches."
        case "close": "Closed. The closing message is on its way to the residents it reaches."
        case "unlinked": "Unlinked."
        default: nil
        }
    }
}
