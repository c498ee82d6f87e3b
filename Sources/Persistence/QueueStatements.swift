import Domain
import Foundation
import Gateway

/// The console's and the MOE API's reads of tickets, for both stores: a filtered, sorted, paged
/// worklist with counts per status, one ticket, one ticket's file.
public enum QueueStatements {
    /// `t` is the ticket.
    static let columns = """
        t.id, t.reporter, t.reference, t.service, t.fault, t.area, t.address, t.description, t.queue, t.status, t.channel,
        t.public_update, t.expected_at, t.created_at, t.updated_at, t.moe, t.assignee, \(DueDate.sql) AS due,
        (SELECT m.reference FROM tickets m WHERE m.id = t.duplicate_of) AS duplicate_reference, t.escalation_level, t.priority,
        (SELECT l.incident_id FROM incident_tickets l WHERE l.ticket_id = t.id) AS incident,
        (SELECT c.name FROM crews c WHERE c.id = t.crew_id) AS crew, t.field_flag,
        (SELECT p.reference FROM tickets p WHERE p.id = t.possible_duplicate_of AND t.duplicate_of IS NULL) AS possible_reference
        """

    /// Possible duplicates still waiting on a dispatcher: linked when filed, not merged, open.
    static let possibleWaiting = "t.possible_duplicate_of IS NOT NULL AND t.duplicate_of IS NULL"

    /// Urgent first; the sort a dispatcher chose after it.
    static let urgentFirst = "CASE WHEN t.priority = 'urgent' THEN 0 ELSE 1 END"

    public static func ticket(_ row: any SQLRow) throws -> QueueTicket {
        var ticket = try plainTicket(row)
        ticket.possibleDuplicateOf = try row.text("possible_reference")
        return ticket
    }

    static func plainTicket(_ row: any SQLRow) throws -> QueueTicket {
        QueueTicket(reference: try row.text(required: "reference"), service: try row.text(required: "service"), fault: try row.text(required: "fault"),
                    area: try row.text(required: "area"), address: try row.text(required: "address"),
                    description: try row.text(required: "description"), queue: try row.text(required: "queue"),
                    status: try row.value("status", as: TicketStatus.self), channel: try row.text(required: "channel"),
                    publicUpdate: try row.text("public_update"), expectedAt: try row.date("expected_at"),
                    createdAt: try row.date(required: "created_at"), updatedAt: try row.date(required: "updated_at"), moe: try row.text(required: "moe"),
                    assignee: try row.text("assignee"), dueAt: try row.date("due"), duplicateOf: try row.text("duplicate_reference"),
                    escalationLevel: try row.int("escalation_level"), incident: try row.integer("incident"),
                    priority: try row.value("priority", as: TicketPriority.self), crew: try row.text("crew"), fieldFlag: try row.text("field_flag"))
    }

    static func ticket(_ reference: Reference, scope: String?) -> SQL {
        "SELECT \(raw: columns) FROM tickets t WHERE t.reference = \(reference.digits) AND \(SQL.scoped("t.moe", to: scope))"
    }

    /// Everything but the status filter: the counts per status are of this set.
    static func scope(_ q: WorklistQuery, now: Date) -> SQL {
        var s: SQL = "WHERE \(SQL.scoped("t.moe", to: q.scope))"
        if let service = q.service { s = s + " AND t.service = \(service)" }
        if let area = q.area { s = s + " AND t.area = \(area)" }
        if let incident = q.incident { s = s + " AND EXISTS (SELECT 1 FROM incident_tickets l WHERE l.ticket_id = t.id AND l.incident_id = \(incident))" }
        if q.overdue { s = s + " AND t.status IN \(list: WorklistQuery.open) AND \(raw: DueDate.sql) < \(now)" }
        if q.escalated { s = s + " AND t.status IN \(list: WorklistQuery.open) AND t.escalation_level > 0" }
        if q.possibleDuplicates { s = s + " AND t.status IN \(list: WorklistQuery.open) AND \(raw: possibleWaiting)" }
        return s
    }

    static func order(_ sort: WorklistQuery.Sort) -> String {
        switch sort {
        case .oldest: "\(urgentFirst), t.created_at, t.id"
        case .newest: "t.created_at DESC, t.id DESC"
        case .due: "due, t.id"
        case .area: "t.area, t.created_at"
        case .status: "t.status, \(urgentFirst), t.created_at"
        case .service: "t.service, t.fault, t.created_at"
        }
    }

    public static func worklist(_ q: WorklistQuery, now: Date) -> SQLExchange<Worklist> {
        let scope = scope(q, now: now)
        let filter = scope + " AND t.status IN \(list: q.statuses ?? WorklistQuery.open)"
        let size = max(1, min(q.pageSize, 500))
        return SQLExchange(reads: [
            "SELECT t.status, COUNT(*) AS n FROM tickets t \(scope) GROUP BY t.status",
            "SELECT COUNT(*) AS n FROM tickets t \(filter)",
            "SELECT \(raw: columns) FROM tickets t \(filter) ORDER BY \(raw: order(q.sort)) LIMIT \(size) OFFSET \(Paging.offset(page: q.page, size: size))",
            "SELECT COUNT(*) AS n FROM tickets t \(scope) AND t.status IN \(list: WorklistQuery.open) AND \(raw: possibleWaiting)",
        ]) { rows in
            var counts: [TicketStatus: Int] = [:]
            for row in rows[0] { if let s = TicketStatus(rawValue: try row.text(required: "status")) { counts[s] = try row.int("n") } }
            var list = Worklist(tickets: try rows[2].map(ticket), total: try rows[1].first?.int("n") ?? 0, counts: counts)
            list.possibleDuplicates = try rows[3].first?.int("n") ?? 0
            return ([], list)
        }
    }

    public static func file(_ reference: Reference, scope: String?) -> SQLExchange<TicketFile?> {
        let id: SQL = "SELECT id FROM tickets WHERE reference = \(reference.digits)"
        return SQLExchange(reads: [
            ticket(reference, scope: scope),
            "SELECT at, kind, from_status, to_status, note, is_public, actor FROM ticket_events WHERE ticket_id = (\(id)) ORDER BY at, id",
            "SELECT reference FROM tickets WHERE duplicate_of = (\(id)) ORDER BY created_at, id",
            TicketStatements.reporters(of: id),
            "SELECT email, first_name, last_name, media_url, attributes FROM reporter_details WHERE ticket_id = (\(id))",
        ]) { rows in
            guard let found = rows[0].first else { return ([], nil) }
            let history = try rows[1].compactMap { row -> TicketEvent? in
                // An entry of a kind this version does not know (written by a newer one) is left out, not an error.
                guard let kind = TicketEventKind(rawValue: try row.text(required: "kind")) else { return nil }
                return TicketEvent(at: try row.date(required: "at"), kind: kind, fromStatus: try row.value(optional: "from_status", as: TicketStatus.self),
                                   toStatus: try row.value(optional: "to_status", as: TicketStatus.self), note: try row.text("note"),
                                   isPublic: try row.bool(required: "is_public"), actor: try row.text(required: "actor"))
            }
            let details = try rows[4].first.map { d in
                ReporterDetailsCodec.details(email: try d.text("email"), first: try d.text("first_name"), last: try d.text("last_name"),
                                             media: try d.text("media_url"), attributes: try d.text("attributes"))
            }
            return ([], TicketFile(ticket: try ticket(found), history: history, duplicates: try rows[2].map { try $0.text(required: "reference") },
                                   reporters: try TicketStatements.reporters(rows[3]).count,
                                   reporter: try found.text("reporter").flatMap { MSISDN($0) }, details: details))
        }
    }
}

extension DispatchStore where Self: SQLBacked {
    public func worklist(_ query: WorklistQuery, now: Date) async throws -> Worklist {
        try await statements.look(QueueStatements.worklist(query, now: now))
    }

    public func file(_ reference: Reference, scope: String?) async throws -> TicketFile? {
        try await statements.look(QueueStatements.file(reference, scope: scope))
    }

    public func ticket(_ reference: Reference, moe: String?) async throws -> QueueTicket? {
        try await statements.read(QueueStatements.ticket(reference, scope: moe), QueueStatements.ticket).first
    }
}
