import Domain
import Foundation
import Gateway
import GRDB

extension SQLiteStaffStore {
    public func indicatorTickets(moe: String, from: Date, to: Date) async throws -> [IndicatorTicket] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.created_at,
                       (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.from_status = 'new' AND e.to_status <> 'new'),
                       (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'status' AND e.to_status IN ('resolved', 'closed')),
                       t.acknowledge_due_at, t.due_at,
                       EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'reopened'),
                       (SELECT group_concat(s.rating) FROM surveys s WHERE s.ticket_id = t.id AND s.rating BETWEEN 1 AND 5),
                       t.status IN ('duplicate', 'rejected')
                FROM tickets t WHERE t.moe = ? AND t.created_at >= ? AND t.created_at < ?
                """, arguments: [moe, from, to]).map { row in
                IndicatorTicket(createdAt: row[0], acknowledgedAt: row[1], resolvedAt: row[2], acknowledgeDueAt: row[3], dueAt: row[4],
                                reopened: row[5], ratings: ((row[6] as String?) ?? "").split(separator: ",").compactMap { Int($0) },
                                closedWithoutResolution: row[7])
            }
        }
    }
}
