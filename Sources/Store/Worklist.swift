import Domain
import Foundation
import Gateway
import GRDB

/// The console's reads: a filtered, sorted, paged worklist with counts per status; one ticket's file.
extension SQLiteStaffStore {
    public func worklist(_ query: WorklistQuery, now: Date) async throws -> Worklist {
        let rows = self.rows
        return try await database.writer.read { db in
            // Everything but the status filter: the counts per status are of this set.
            var scope = "WHERE 1"
            var arguments: StatementArguments = []
            if let moe = query.scope { scope += " AND t.moe = ?"; arguments += [moe] }
            if let service = query.service { scope += " AND t.service = ?"; arguments += [service] }
            if let area = query.area { scope += " AND t.area = ?"; arguments += [area] }
            if let incident = query.incident {
                scope += " AND EXISTS (SELECT 1 FROM incident_tickets l WHERE l.ticket_id = t.id AND l.incident_id = ?)"
                arguments += [incident]
            }
            if query.overdue {
                let open = WorklistQuery.open.map { "'\($0.rawValue)'" }.joined(separator: ", ")
                scope += " AND t.status IN (\(open)) AND \(rows.due) < ?"
                arguments += [now]
            }
            if query.escalated {
                let open = WorklistQuery.open.map { "'\($0.rawValue)'" }.joined(separator: ", ")
                scope += " AND t.status IN (\(open)) AND t.escalation_level > 0"
            }
            var counts: [TicketStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT t.status, COUNT(*) FROM tickets t \(scope) GROUP BY t.status", arguments: arguments) {
                if let status = TicketStatus(rawValue: row[0]) { counts[status] = row[1] }
            }
            let statuses = (query.statuses ?? WorklistQuery.open).map(\.rawValue)
            let filter = scope + " AND t.status IN (\(statuses.map { _ in "?" }.joined(separator: ", ")))"
            let filtered = arguments + StatementArguments(statuses)
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tickets t \(filter)", arguments: filtered) ?? 0
            let order = switch query.sort {
            case .oldest: "t.created_at, t.id"
            case .newest: "t.created_at DESC, t.id DESC"
            case .due: "due_at, t.id"
            case .area: "t.area, t.created_at"
            case .status: "t.status, t.created_at"
            case .service: "t.service, t.fault, t.created_at"
            }
            let size = max(1, min(query.pageSize, 500))
            let offset = Paging.offset(page: query.page, size: size)
            let tickets = try Row.fetchAll(db, sql: "SELECT \(rows.columns) FROM tickets t \(filter) ORDER BY \(order) LIMIT ? OFFSET ?",
                                           arguments: filtered + [size, offset]).map { QueueRows.decode($0) }
            return Worklist(tickets: tickets, total: total, counts: counts)
        }
    }

    public func file(_ reference: Reference, scope: String?) async throws -> TicketFile? {
        let rows = self.rows
        return try await database.writer.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT t.id, t.reporter, \(rows.columns) FROM tickets t WHERE t.reference = ? AND (? IS NULL OR t.moe = ?)
                """, arguments: [reference.digits, scope, scope]) else { return nil }
            let id: Int64 = row[0]
            let ticket = QueueRows.decode(row, from: 2)
            let history = try Row.fetchAll(db, sql: """
                SELECT at, kind, from_status, to_status, note, is_public, actor FROM ticket_events WHERE ticket_id = ? ORDER BY at, id
                """, arguments: [id]).compactMap { row -> TicketEvent? in
                guard let kind = TicketEventKind(rawValue: row["kind"]) else { return nil }
                return TicketEvent(at: row["at"], kind: kind, fromStatus: (row["from_status"] as String?).flatMap(TicketStatus.init(rawValue:)),
                                   toStatus: (row["to_status"] as String?).flatMap(TicketStatus.init(rawValue:)), note: row["note"],
                                   isPublic: row["is_public"], actor: row["actor"])
            }
            let duplicates = try String.fetchAll(db, sql: "SELECT reference FROM tickets WHERE duplicate_of = ? ORDER BY created_at", arguments: [id])
            let details = try ReporterDetailRows.fetch(db, ticketID: id)
            return TicketFile(ticket: ticket, history: history, duplicates: duplicates,
                              reporters: try TicketActions.reporters(db, of: id).count,
                              reporter: (row[1] as String?).flatMap { MSISDN($0) }, details: details)
        }
    }

    public func auditEntries(scope: String?, limit: Int, offset: Int) async throws -> [AuditEntry] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.at, a.actor, a.action, t.reference, a.detail FROM audit_log a LEFT JOIN tickets t ON t.id = a.ticket_id
                WHERE (? IS NULL OR t.moe = ?) ORDER BY a.id DESC LIMIT ? OFFSET ?
                """, arguments: [scope, scope, limit, offset]).map {
                AuditEntry(at: $0[0], actor: $0[1], action: $0[2], reference: $0[3], detail: $0[4])
            }
        }
    }
}
