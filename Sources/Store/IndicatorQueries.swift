import Domain
import Foundation
import Gateway
import GRDB

extension SQLiteStaffStore {
    public func indicatorTickets(moe: String?, from: Date, to: Date) async throws -> [IndicatorTicket] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.created_at,
                       (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.from_status = 'new' AND e.to_status <> 'new'),
                       (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'status' AND e.to_status IN ('resolved', 'closed')),
                       t.acknowledge_due_at, t.due_at,
                       EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'reopened'),
                       (SELECT group_concat(s.rating) FROM surveys s WHERE s.ticket_id = t.id AND s.rating BETWEEN 1 AND 5),
                       t.status IN ('duplicate', 'rejected'), t.channel, t.service, t.area, t.moe
                FROM tickets t WHERE (?1 IS NULL OR t.moe = ?1) AND t.created_at >= ?2 AND t.created_at < ?3
                """, arguments: [moe, from, to]).map { row in
                var t = IndicatorTicket(createdAt: row[0], acknowledgedAt: row[1], resolvedAt: row[2], acknowledgeDueAt: row[3], dueAt: row[4],
                                        reopened: row[5], ratings: ((row[6] as String?) ?? "").split(separator: ",").compactMap { Int($0) },
                                        closedWithoutResolution: row[7])
                (t.channel, t.service, t.area, t.moe) = (row[8], row[9], row[10], row[11])
                return t
            }
        }
    }

    public func openAges(moe: String?, service: String?, area: String?, now: Date) async throws -> [Int] {
        let cuts = OpenAges.bounds.map { now.addingTimeInterval(-$0) }
        let open = WorklistQuery.open.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return try await database.writer.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT COALESCE(SUM(created_at >= ?4), 0), COALESCE(SUM(created_at < ?4 AND created_at >= ?5), 0),
                       COALESCE(SUM(created_at < ?5 AND created_at >= ?6), 0), COALESCE(SUM(created_at < ?6 AND created_at >= ?7), 0),
                       COALESCE(SUM(created_at < ?7), 0)
                FROM tickets WHERE status IN (\(open)) AND (?1 IS NULL OR moe = ?1) AND (?2 IS NULL OR service = ?2) AND (?3 IS NULL OR area = ?3)
                """, arguments: [moe, service, area, cuts[0], cuts[1], cuts[2], cuts[3]]) else { return [0, 0, 0, 0, 0] }
            return (0..<5).map { row[$0] }
        }
    }
}
