import Channels
import Domain
import Foundation
import Gateway
import HTTPTypes
import Hummingbird

/// The crews page (`/console/crews`): per crew of the MOE, open jobs, the oldest and jobs done
/// today; supervisors and admins add and remove crews. Giving a ticket to a crew, from its page
/// or from the queue: the members get the job card by SMS.
extension ConsoleRoutes {
    var crewDesk: CrewDesk { CrewDesk(roster: roster, ledger: queue, engine: engine, clock: clock) }

    func registerCrews(on router: Router<WebContext>) {
        router.get("/console/crews") { request, _ in
            guard let session = try await session(request) else { return signInPage() }
            return try await crewsPage(session, flash: request.uri.queryParameters["done"].flatMap(Self.crewFlash))
        }
        router.post("/console/crews") { request, context in
            guard let (session, form) = try await authorised(request) else { return expired() }
            guard session.user.role != .dispatcher else { return notFound(session) }
            // A supervisor adds crews to their own MOE; an admin names the MOE.
            let moe = session.user.role == .admin ? (form["moe"] ?? "") : session.user.moe
            let outcome = try await crewDesk.add(name: form["name"] ?? "", moe: moe, phones: [form["phones"] ?? ""], language: form["language"],
                                                 services: form.values("service").filter { !$0.isEmpty },
                                                 areas: form.values("area").filter { !$0.isEmpty }, actor: session.user.username)
            switch outcome {
            case .success: return Response(status: .seeOther, headers: [.location: "/console/crews?done=added"])
            case .failure(let problem): return try await crewsPage(session, error: problem.description, status: .unprocessableContent)
            }
        }
        router.post("/console/crews/remove") { request, context in
            guard let (session, form) = try await authorised(request) else { return expired() }
            guard session.user.role != .dispatcher else { return notFound(session) }
            let moe = session.user.role == .admin ? (form["moe"] ?? "") : session.user.moe
            guard try await crewDesk.remove(name: form["name"] ?? "", moe: moe, actor: session.user.username) != nil else {
                return try await crewsPage(session, error: "No crew called '\(String((form["name"] ?? "").prefix(60)))'.", status: .notFound)
            }
            return Response(status: .seeOther, headers: [.location: "/console/crews?done=removed"])
        }
        router.post("/console/tickets/:reference/assign-crew") { request, context in
            guard let (session, form) = try await authorised(request) else { return expired() }
            guard let reference = try? Reference(parsing: context.parameters.require("reference")) else { return notFound(session) }
            let name = Crew.validName(form["crew"] ?? "") ?? ""
            switch try await crewDesk.assign(reference, to: name, scope: scope(session), actor: session.user.username, address: context.clientAddress) {
            case .done: return Response(status: .seeOther, headers: [.location: "/console/tickets/\(reference.digits)?done=assign-crew"])
            case .notFound: return notFound(session)
            case .noSuchCrew: return try await ticketPage(reference, session: session, error: "Choose one of the MOE's crews.", status: .unprocessableContent)
            case .refused(let why): return try await ticketPage(reference, session: session, error: why, status: .conflict)
            }
        }
    }

    static func crewFlash(_ code: Substring) -> String? {
        switch code {
        case "added": "Crew added. Its members can answer JOBS, ONSITE, DONE and CANT at once."
        case "removed": "Crew removed. Its open jobs are back in the queue, unassigned."
        default: nil
        }
    }

    func crewsPage(_ session: StaffSession, flash: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let board = try await crewDesk.board(moe: scope(session))
        return html(pages.crews(board, session: session, now: clock.now(), flash: flash, error: error), status: status)
    }

    /// The crews of `moe` (nil: every MOE's) for the ticket page's select, with their open jobs (the queue needs only names: `crewDesk.crews`).
    func crewChoices(moe: String?) async throws -> [CrewBoardRow] {
        try await crewDesk.board(moe: moe)
    }
}

extension ConsolePages {
    func crews(_ board: [CrewBoardRow], session: StaffSession, now: Date, flash: String?, error: String?) -> String {
        let role = session.user.role
        var context: [String: Any] = [
            "csrf": session.csrf, "manage": role != .dispatcher, "admin": role == .admin, "showMOE": role == .admin,
            "crews": board.map { row -> [String: Any] in
                var item: [String: Any] = [
                    "name": row.crew.name, "moe": row.crew.moe, "moeLabel": text.moe(row.crew.moe), "language": row.crew.language,
                    "members": row.crew.phones.map(\.masked).joined(separator: ", "), "open": row.openJobs, "done": row.doneToday,
                    "covers": (row.crew.services.map(text.service) + row.crew.areas.map(text.area)).joined(separator: ", "),
                ]
                if let oldest = row.oldestJob { item["oldest"] = text.age(now.timeIntervalSince(oldest)) }
                return item
            },
            "moeOptions": text.engine.catalogue.moes.map { ["value": $0.code, "label": text.moe($0.code), "selected": $0.code == session.user.moe] as [String: Any] },
            "languageOptions": text.engine.locales.ordered.map { ["value": $0.code, "label": $0.name] },
            "serviceOptions": text.engine.catalogue.services.map { ["value": $0.code, "label": text.service($0.code)] },
            "areaOptions": text.engine.catalogue.areas.map { ["value": $0.code, "label": $0.name] },
        ]
        if let flash { context["flash"] = flash }
        if let error { context["error"] = error }
        return render("crews", title: "Crews", session: session, context)
    }
}
