import Foundation
import Gateway
import GRDB

/// Gauges read from the database when /metrics is scraped.
public struct SQLiteStatistics: OperationalStatistics {
    let database: AppDatabase

    public init(_ database: AppDatabase) { self.database = database }

    public func readings(now: Date) async throws -> [GaugeReading] {
        try await database.live.saveNow()  // sessions in progress count too
        return try await database.writer.read { db in
            var out: [GaugeReading] = []
            let open = WorklistQuery.open.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            for row in try Row.fetchAll(db, sql: """
                SELECT t.moe, COUNT(*), COALESCE(SUM(\(DueDate.sql) < ?), 0) FROM tickets t WHERE t.status IN (\(open)) GROUP BY t.moe
                """, arguments: [now]) {
                out.append(GaugeReading(name: "civicgate_backlog_tickets", labels: ["moe": row[0]], value: row[1]))
                out.append(GaugeReading(name: "civicgate_overdue_tickets", labels: ["moe": row[0]], value: row[2]))
            }
            for row in try Row.fetchAll(db, sql: "SELECT channel, status, COUNT(*) FROM tickets GROUP BY channel, status") {
                out.append(GaugeReading(name: "civicgate_tickets", labels: ["channel": row[0], "status": row[1]], value: row[2]))
            }
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) FROM outbox GROUP BY status") {
                out.append(GaugeReading(name: "civicgate_outbox_messages", labels: ["status": row[0]], value: row[1]))
            }
            let sessions = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ussd_sessions WHERE key NOT LIKE 'sms:%'") ?? 0
            out.append(GaugeReading(name: "civicgate_ussd_sessions", labels: [:], value: sessions))
            return out
        }
    }
}
