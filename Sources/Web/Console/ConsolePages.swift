import Domain
import Foundation
import Gateway
import Mustache

/// Turns worklists and ticket files into what the templates show. Pure: no I/O, no requests.
struct ConsolePages: Sendable {
    let text: ConsoleText

    func render(_ template: String, title: String, session: StaffSession?, _ context: [String: Any], refresh: Int? = nil,
                organisation: String? = nil) -> String {
        let body = ConsoleTemplates.library.render(context, withTemplate: template) ?? ""
        var page: [String: Any] = ["title": title, "body": body]
        if let refresh { page["refresh"] = refresh }
        if let session {
            let role = session.user.role
            page["user"] = [
                "username": session.user.username, "role": role.rawValue, "csrf": session.csrf,
                "scope": role == .admin ? "all MOEs" : role == .organisation ? organisation ?? "organisation" : text.moe(session.user.moe),
                "audit": role == .supervisor || role == .admin, "admin": role == .admin, "member": role == .organisation,
            ] as [String: Any]
        }
        return ConsoleTemplates.library.render(page, withTemplate: "layout") ?? ""
    }

    func signIn(csrf: String, username: String = "", error: String? = nil) -> String {
        var context: [String: Any] = ["csrf": csrf, "username": username]
        if let error { context["error"] = error }
        return render("signin", title: "Sign in", session: nil, context)
    }

    func message(_ heading: String, _ body: String, session: StaffSession?, link: String = "Back to the queue", href: String = "/console/") -> String {
        render("message", title: heading, session: session, ["heading": heading, "text": body, "link": link, "href": href])
    }

    func queue(_ list: Worklist, filters: QueueFilters, session: StaffSession, now: Date, flash: String?, incidents: [Incident] = [],
               crews: [Crew] = []) -> String {
        let catalogue = text.engine.catalogue
        let scope = session.user.role == .admin ? nil : session.user.moe
        let services = catalogue.services.filter { scope == nil || $0.moe == scope }
        let pages = max(1, (list.total + QueueFilters.pageSize - 1) / QueueFilters.pageSize)
        var context: [String: Any] = [
            "heading": scope.map { "\(text.moe($0)): queue" } ?? "All MOEs: queue",
            "csrf": session.csrf,
            "query": filters.address(),
            "showMOE": scope == nil,
            "overdue": filters.overdue, "escalated": filters.escalated, "possible": filters.possible,
            "possibleCount": list.possibleDuplicates, "hasPossible": list.possibleDuplicates > 0, "possibleHref": "/console/" + { var f = filters; f.possible = true; f.page = 1; return f.address() }(),
            "page": filters.page, "pages": pages, "total": list.total == 1 ? "1 ticket" : "\(list.total) tickets",
            "counts": (["open"] + TicketStatus.allCases.map(\.rawValue) + ["all"]).map { status -> [String: Any] in
                let count: Int = switch status {
                case "open": WorklistQuery.open.reduce(0) { $0 + (list.counts[$1] ?? 0) }
                case "all": list.counts.values.reduce(0, +)
                default: list.counts[TicketStatus(rawValue: status)!] ?? 0
                }
                return ["label": statusName(status), "count": count, "current": status == filters.status,
                        "href": "/console/" + filters.address(page: 1, status: status)]
            },
            "statusOptions": (["open"] + TicketStatus.allCases.map(\.rawValue) + ["all"]).map {
                ["value": $0, "label": statusName($0), "selected": $0 == filters.status] as [String: Any]
            },
            "serviceOptions": services.map { ["value": $0.code, "label": text.service($0.code), "selected": $0.code == filters.service] as [String: Any] },
            "areaOptions": catalogue.areas.map { ["value": $0.code, "label": $0.name, "selected": $0.code == filters.area] as [String: Any] },
            "sortOptions": WorklistQuery.Sort.allCases.map { ["value": $0.rawValue, "label": sortName($0), "selected": $0 == filters.sort] as [String: Any] },
            "tickets": list.tickets.map { row(for: $0, now: now) },
        ]
        if filters.page > 1 { context["previous"] = "/console/" + filters.address(page: filters.page - 1) }
        if filters.page < pages { context["next"] = "/console/" + filters.address(page: filters.page + 1) }
        if let flash { context["flash"] = flash }
        context["hasCrews"] = !crews.isEmpty
        context["crewOptions"] = crews.map { ["name": $0.name] }
        context.merge(incidentsContext(incidents, showMOE: scope == nil)) { $1 }
        return render("queue", title: "Queue", session: session, context)
    }

    func row(for t: QueueTicket, now: Date) -> [String: Any] {
        var row: [String: Any] = [
            "reference": t.reference, "grouped": text.grouped(t.reference),
            "service": text.service(t.service), "fault": text.fault(t.service, t.fault), "area": text.area(t.area),
            "age": text.age(now.timeIntervalSince(t.createdAt)), "status": t.status.rawValue, "statusLabel": text.status(t.status.rawValue),
            "overdue": isOverdue(t, now: now), "moe": text.moe(t.moe), "dueSoon": t.isDueSoon(at: now),
        ]
        if t.escalationLevel > 0 { row["escalation"] = t.escalationLevel }
        row["urgent"] = t.priority == .urgent
        if let due = t.dueAt { row["due"] = text.time(due) }
        if let a = t.assignee { row["assignee"] = a }
        if let c = t.crew { row["crew"] = c }
        if let f = t.fieldFlag { row["fieldFlag"] = f }
        if let p = t.possibleDuplicateOf { row["possibleOf"] = p; row["possibleOfGrouped"] = text.grouped(p) }
        if let i = t.incident { row["hasIncident"] = true; row["incident"] = i }
        return row
    }

    func isOverdue(_ t: QueueTicket, now: Date) -> Bool { t.isOverdue(at: now) }

    func ticket(_ file: TicketFile, session: StaffSession, now: Date, reveal: Bool = false, flash: String? = nil, error: String? = nil,
                crews: [CrewBoardRow] = [], likely: [LikelyDuplicate] = []) -> String {
        var context = row(for: file.ticket, now: now)
        let t = file.ticket
        context["hasLikely"] = !likely.isEmpty
        context["likely"] = likely.map { d -> [String: Any] in
            let other = d.ticket
            let earlier = other.createdAt < t.createdAt
            let when = text.age(abs(t.createdAt.timeIntervalSince(other.createdAt))) + (earlier ? " earlier" : " later")
            let place = d.reason == .samePlace ? "the same place" : "\(Int(d.metres.rounded())) m apart"
            let (newer, older) = earlier ? (t.reference, other.reference.digits) : (other.reference.digits, t.reference)
            return ["reference": other.reference.digits, "grouped": other.reference.grouped, "statusLabel": text.status(other.status.rawValue),
                    "why": "\(place), \(when)", "newer": newer, "older": older, "newerGrouped": text.grouped(newer), "olderGrouped": text.grouped(older),
                    "csrf": session.csrf]
        }
        // The MOE's crews to give it to (its own first); a named person stays possible.
        context["hasCrews"] = t.status.isOpen && !crews.isEmpty
        context["crewOptions"] = crews.map { ["name": $0.crew.name, "open": $0.openJobs, "selected": $0.crew.name == t.crew] as [String: Any] }
        if t.crew == nil, let a = t.assignee { context["personAssignee"] = a }
        context["csrf"] = session.csrf
        context["address"] = t.address
        if !t.description.isEmpty { context["description"] = t.description }
        context["canAcknowledge"] = t.status == .new
        context["priorityLabel"] = t.priority == .urgent ? "Urgent" : "Normal"
        // The one change of priority a dispatcher can make from here, while the ticket is open.
        if t.status.isOpen {
            context["priorityChange"] = t.priority == .urgent
                ? ["value": TicketPriority.normal.rawValue, "label": "Lower to normal"] : ["value": TicketPriority.urgent.rawValue, "label": "Raise to urgent"]
        }
        context["created"] = text.time(t.createdAt)
        context["channel"] = text.channel(t.channel)
        context["queue"] = t.queue
        context["reporters"] = file.reporters
        if let e = t.expectedAt { context["expected"] = text.day(e) }
        if let p = t.publicUpdate { context["publicUpdate"] = p }
        // The number and what a front end said about the person, masked until "Show number" (audited).
        let masked = [file.reporter?.masked, file.details?.masked].compactMap { $0 }.filter { !$0.isEmpty }
        if !masked.isEmpty { context["masked"] = masked.joined(separator: " · ") }
        if reveal { context["number"] = [file.reporter?.e164, file.details?.full].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · ") }
        if let d = t.duplicateOf {
            context["duplicateOf"] = d
            context["duplicateOfGrouped"] = text.grouped(d)
        }
        context["hasDuplicates"] = !file.duplicates.isEmpty
        context["duplicates"] = file.duplicates.map { ["reference": $0, "grouped": text.grouped($0)] }
        let current = t.status
        let preselected: TicketStatus = ConsoleText.settable.contains(current) && current != .acknowledged && current != .assigned ? current : .inProgress
        context["statusOptions"] = ConsoleText.settable.map {
            ["value": $0.rawValue, "label": text.status($0.rawValue), "selected": $0 == preselected] as [String: Any]
        }
        context["queueGroups"] = text.engine.catalogue.moes.map { moe in
            ["label": text.moe(moe.code), "queues": moe.queues.filter { $0 != t.queue }.map { ["value": $0] }] as [String: Any]
        }
        context["history"] = file.history.map { e -> [String: Any] in
            var item: [String: Any] = ["at": text.time(e.at), "what": text.event(e), "actor": e.actor, "public": e.isPublic]
            if let note = e.note { item["note"] = note }
            return item
        }
        if let flash { context["flash"] = flash }
        if let error { context["error"] = error }
        return render("ticket", title: "Ticket \(text.grouped(t.reference))", session: session, context)
    }

    func audit(_ entries: [AuditEntry], page: Int, more: Bool, session: StaffSession) -> String {
        var context: [String: Any] = [
            "page": page,
            "entries": entries.map { e -> [String: Any] in
                var item: [String: Any] = ["at": text.time(e.at), "actor": e.actor, "action": e.action]
                if let r = e.reference { item["reference"] = r; item["grouped"] = text.grouped(r) }
                if let d = e.detail { item["detail"] = d }
                return item
            },
        ]
        if page > 1 { context["previous"] = "/console/audit?page=\(page - 1)" }
        if more { context["next"] = "/console/audit?page=\(page + 1)" }
        return render("audit", title: "Audit log", session: session, context)
    }

    func statusName(_ s: String) -> String {
        switch s {
        case "open": "Open"
        case "all": "All"
        default: text.status(s)
        }
    }

    func sortName(_ s: WorklistQuery.Sort) -> String {
        switch s {
        case .oldest: "Oldest first"
        case .newest: "Newest first"
        case .due: "Due soonest"
        case .area: "Area"
        case .status: "Status"
        case .service: "Service"
        }
    }

    /// The open incidents panel of the queue and the dashboard (`incidents.mustache`).
    func incidentsContext(_ incidents: [Incident], showMOE: Bool) -> [String: Any] {
        ["hasIncidents": !incidents.isEmpty, "incidents": incidents.map { i -> [String: Any] in
            ["id": i.id, "service": text.service(i.service), "hasFaults": !i.faults.isEmpty,
             "faults": i.faults.map { text.fault(i.service, $0) }.joined(separator: ", "), "areas": i.areas.map(text.area).joined(separator: ", "),
             "description": i.description, "hasExpected": i.expectedAt != nil, "expected": i.expectedAt.map(text.time) ?? "",
             "declared": text.time(i.createdAt), "showMOE": showMOE, "moe": text.moe(i.moe)]
        }]
    }
}

extension ConsolePages {
    /// Planned works, current incidents and the past week's, with the form to declare one, for the user's services.
    func incidentList(_ incidents: [Incident], reach: [Int64: Int], now: Date, session: StaffSession, error: String? = nil) -> String {
        let scope = session.user.role == .admin ? nil : session.user.moe
        let services = text.engine.catalogue.services.filter { scope == nil || $0.moe == scope }
        func items(_ phases: Set<IncidentPhase>) -> [[String: Any]] {
            incidents.filter { phases.contains($0.phase(at: now)) }.map { i in
                let phase = i.phase(at: now)
                return ["id": i.id, "service": text.service(i.service), "areas": i.areas.map(text.area).joined(separator: ", "), "description": i.description,
                        "starts": text.time(i.beginsAt), "hasExpected": i.expectedAt != nil, "expected": i.expectedAt.map(text.time) ?? "",
                        "closed": i.closedAt.map(text.time) ?? "", "overdue": phase == .overdue, "cancelled": phase == .cancelled,
                        "reach": reach[i.id] ?? 0, "showMOE": scope == nil, "moe": text.moe(i.moe)]
            }
        }
        let planned = items([.announced]), current = items([.current, .overdue]), past = items([.ended, .cancelled])
        var context: [String: Any] = [
            "csrf": session.csrf,
            "serviceOptions": services.map { ["value": $0.code, "label": text.service($0.code)] },
            "faultOptions": services.flatMap { s in s.faults.map { ["value": "\(s.code).\($0.code)", "label": "\(text.service(s.code)): \(text.fault(s.code, $0.code))"] } },
            "areaOptions": text.engine.catalogue.areas.map { ["value": $0.code, "label": $0.name] },
            "planned": planned, "hasPlanned": !planned.isEmpty, "current": current, "hasCurrent": !current.isEmpty, "past": past, "hasPast": !past.isEmpty,
        ]
        if let error { context["error"] = error }
        return render("incident-list", title: "Incidents", session: session, context)
    }

    func incident(_ i: Incident, history: [IncidentEvent], reach: IncidentReach, subscribers: Int, alerts: [AreaAlertRecord], now: Date,
                  session: StaffSession, flash: String?, error: String?) -> String {
        let catalogue = text.engine.catalogue
        let phase = i.phase(at: now)
        var context: [String: Any] = [
            "planned": i.isPlanned, "announced": phase == .announced, "phase": Self.phaseLabel(phase), "starts": text.time(i.beginsAt),
            "subscribers": subscribers,
            "alerts": alerts.map { a -> [String: Any] in
                ["kind": a.kind.rawValue, "due": text.time(a.dueAt), "queued": a.queued]
            },
            "id": i.id, "csrf": session.csrf, "service": text.service(i.service), "areas": i.areas.map(text.area).joined(separator: ", "),
            "statusClass": i.isOpen ? "in_progress" : "closed", "statusLabel": Self.phaseLabel(phase), "isOpen": i.isOpen,
            "description": i.description, "hasFaults": !i.faults.isEmpty, "faults": i.faults.map { text.fault(i.service, $0) }.joined(separator: ", "),
            "hasExpected": i.expectedAt != nil, "expected": i.expectedAt.map(text.time) ?? "", "declared": text.time(i.createdAt),
            "showMOE": session.user.role == .admin, "moe": text.moe(i.moe),
            "residents": reach.residents, "linked": reach.linkedCount,
            "tickets": reach.tickets.map { t -> [String: Any] in
                ["reference": t.reference.digits, "grouped": t.reference.grouped, "fault": text.fault(i.service, t.fault), "area": text.area(t.area),
                 "status": t.status.rawValue, "statusLabel": text.status(t.status.rawValue), "received": text.time(t.createdAt)]
            },
            "history": history.map { e -> [String: Any] in
                var item: [String: Any] = ["at": text.time(e.at), "kind": e.kind, "actor": e.actor, "hasExpected": e.expectedAt != nil,
                                           "expected": e.expectedAt.map(text.time) ?? ""]
                if let d = e.description { item["description"] = d }
                return item
            },
            "areaOptions": catalogue.areas.filter { !i.areas.contains($0.code) }.map { ["value": $0.code, "label": $0.name] },
            "ownAreas": i.areas.map { ["value": $0, "label": text.area($0)] },
            "faultOptions": (catalogue.service(i.service)?.faults ?? []).map { ["value": $0.code, "label": text.fault(i.service, $0.code)] },
        ]
        if let flash { context["flash"] = flash }
        if let error { context["error"] = error }
        return render("incident", title: "Incident \(i.id)", session: session, context)
    }

    static func phaseLabel(_ phase: IncidentPhase) -> String {
        switch phase {
        case .announced: "Announced"
        case .current: "Open"
        case .overdue: "Open, past its expected end"
        case .ended: "Closed"
        case .cancelled: "Cancelled"
        }
    }
}
