import Domain
import Foundation
import Gateway
import GRDB

extension SQLiteStaffStore {
    public func pastTarget(now: Date, limit: Int) async throws -> [TicketState] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(TicketActions.Ticket.columns) FROM \(TicketActions.Ticket.from)
                WHERE t.status IN ('new', 'acknowledged', 'assigned', 'in_progress') AND t.escalation_level < 2 AND t.paused_at IS NULL
                  AND (t.due_at < ?1 OR (t.status = 'new' AND t.acknowledge_due_at < ?1))
                ORDER BY t.due_at LIMIT ?2
                """, arguments: [now, max(1, min(limit, 10_000))]).compactMap { TicketActions.Ticket.decode($0)?.state }
        }
    }
}
