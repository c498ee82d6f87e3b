import Domain
import Foundation
import Gateway
import Logging
import Persistence
import PostgresNIO

/// Ticket listings for Open311 on PostgreSQL: public fields only, filtered and paged in SQL.
public struct PostgresRequestListing: RequestListing {
    let database: PostgresAppDatabase

    public init(_ database: PostgresAppDatabase) { self.database = database }
}

extension PostgresRequestListing: SQLBacked {
    public var statements: any SQLDatabase { PostgresStatementDatabase(database: database) }
}

/// Gauges read from PostgreSQL when /metrics is scraped (the same names as on SQLite).
public struct PostgresStatistics: OperationalStatistics {
    let database: PostgresAppDatabase

    public init(_ database: PostgresAppDatabase) { self.database = database }

    public func readings(now: Date) async throws -> [GaugeReading] {
        let client = database.client, logger = database.logger
        var out: [GaugeReading] = []
        for try await (moe, open, overdue) in try await client.query("""
            SELECT t.moe, COUNT(*)::BIGINT, COUNT(*) FILTER (WHERE \(unescaped: DueDate.sql) < \(now))::BIGINT
            FROM tickets t WHERE t.status = ANY(\(WorklistQuery.open.map(\.rawValue))) GROUP BY t.moe
            """, logger: logger).decode((String, Int64, Int64).self) {
            out.append(GaugeReading(name: "civicgate_backlog_tickets", labels: ["moe": moe], value: Int(open)))
            out.append(GaugeReading(name: "civicgate_overdue_tickets", labels: ["moe": moe], value: Int(overdue)))
        }
        for try await (channel, status, n) in try await client.query("""
            SELECT channel, status, COUNT(*)::BIGINT FROM tickets GROUP BY channel, status
            """, logger: logger).decode((String, String, Int64).self) {
            out.append(GaugeReading(name: "civicgate_tickets", labels: ["channel": channel, "status": status], value: Int(n)))
        }
        for try await (status, n) in try await client.query("SELECT status, COUNT(*)::BIGINT FROM outbox GROUP BY status", logger: logger)
            .decode((String, Int64).self) {
            out.append(GaugeReading(name: "civicgate_outbox_messages", labels: ["status": status], value: Int(n)))
        }
        var sessions: Int64 = 0
        for try await n in try await client.query("SELECT COUNT(*)::BIGINT FROM ussd_sessions WHERE key NOT LIKE 'sms:%'", logger: logger)
            .decode(Int64.self) { sessions = n }
        out.append(GaugeReading(name: "civicgate_ussd_sessions", labels: [:], value: Int(sessions)))
        return out
    }
}
