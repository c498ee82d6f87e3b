import Domain
import Foundation
import Gateway
import Logging
import PostgresNIO

/// Purging on PostgreSQL, as `Store.SQLiteRetentionStore`; a batch's rows are locked with
/// `SKIP LOCKED`, so two instances purging at once share the work instead of waiting.
public struct PostgresRetentionStore: RetentionStore {
    let database: PostgresAppDatabase

    public init(_ database: PostgresAppDatabase) { self.database = database }

    var logger: Logger { database.logger }

    static let openStatuses = TicketStatus.allCases.filter(\.isOpen).map { "'\($0.rawValue)'" }.joined(separator: ", ")

    /// `table`, its key, and which rows are due: `$1` is the cutoff.
    static func due(_ c: RetentionPolicy.DataClass) -> (table: String, key: String, condition: String) {
        switch c {
        case .inboundSMS: ("inbound_sms", "id", "received_at < $1 AND (body <> '' OR msisdn NOT LIKE 'h:%')")
        case .outboxSMS:
            ("outbox", "id", "created_at < $1 AND status NOT IN ('pending', 'held', 'sending') AND (body <> '' OR msisdn NOT LIKE 'h:%')")
        case .sessions: ("ussd_sessions", "key", "updated_at < $1")
        case .reporterNumbers:
            ("tickets", "id", """
                updated_at < $1 AND status NOT IN (\(openStatuses))
                AND ((reporter IS NOT NULL AND reporter NOT LIKE 'h:%') OR address <> '' OR description <> '')
                """)
        case .staffSessions: ("staff_sessions", "token_hash", "last_seen_at < $1")
        case .audit: ("audit_log", "id", "at < $1")
        }
    }

    static let closedResidents = """
        FROM incident_residents r JOIN incidents i ON i.id = r.incident_id WHERE i.status = 'closed' AND i.closed_at < $1 AND r.msisdn NOT LIKE 'h:%'
        """

    func query(_ sql: String, _ values: [any PostgresEncodable & Sendable]) throws -> PostgresQuery {
        var binds = PostgresBindings()
        for v in values { try binds.append(v) }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    public func purgeable(_ c: RetentionPolicy.DataClass, before: Date) async throws -> Int {
        let (table, _, condition) = Self.due(c)
        var n: Int64 = 0
        for try await count in try await database.client.query(try query("SELECT COUNT(*)::BIGINT FROM \(table) WHERE \(condition)", [before]),
                                                                logger: logger).decode(Int64.self) { n += count }
        if c == .reporterNumbers {
            for try await count in try await database.client.query(try query("SELECT COUNT(*)::BIGINT \(Self.closedResidents)", [before]),
                                                                    logger: logger).decode(Int64.self) { n += count }
        }
        return Int(n)
    }

    public func purge(_ c: RetentionPolicy.DataClass, before: Date, limit: Int, pseudonyms: Pseudonyms) async throws -> Int {
        let (table, key, condition) = Self.due(c)
        let limit = Int64(limit)
        return try await database.client.withTransaction(logger: logger) { tx in
            switch c {
            case .sessions, .staffSessions, .audit:
                return try await tx.query(try query("""
                    DELETE FROM \(table) WHERE \(key) IN (SELECT \(key) FROM \(table) WHERE \(condition) LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING 1
                    """, [before, limit]), logger: logger).decode(Int32.self).reduce(0) { n, _ in n + 1 }
            case .inboundSMS, .outboxSMS:
                var rows: [(Int64, String)] = []
                for try await row in try await tx.query(try query("""
                    SELECT id, msisdn FROM \(table) WHERE \(condition) ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
                    """, [before, limit]), logger: logger).decode((Int64, String).self) { rows.append(row) }
                for (id, msisdn) in rows {
                    try await tx.query(try query("UPDATE \(table) SET body = '', msisdn = $1 WHERE id = $2", [pseudonyms.of(msisdn), id]), logger: logger)
                }
                return rows.count
            case .reporterNumbers:
                var rows: [(Int64, String?)] = []
                for try await row in try await tx.query(try query("""
                    SELECT id, reporter FROM tickets WHERE \(condition) ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
                    """, [before, limit]), logger: logger).decode((Int64, String?).self) { rows.append(row) }
                for (id, reporter) in rows {
                    let hashed = reporter.map(pseudonyms.of)
                    try await tx.query("UPDATE tickets SET reporter = \(hashed), address = '', description = '' WHERE id = \(id)", logger: logger)
                    if let reporter, let hashed {
                        try await tx.query("UPDATE surveys SET msisdn = \(hashed) WHERE ticket_id = \(id) AND msisdn = \(reporter)", logger: logger)
                    }
                }
                var residents: [(Int64, String)] = []
                for try await row in try await tx.query(try query("""
                    SELECT r.incident_id, r.msisdn \(Self.closedResidents) LIMIT $2 FOR UPDATE OF r SKIP LOCKED
                    """, [before, max(0, limit - Int64(rows.count))]), logger: logger).decode((Int64, String).self) { residents.append(row) }
                for (incident, msisdn) in residents {
                    try await tx.query("""
                        UPDATE incident_residents SET msisdn = \(pseudonyms.of(msisdn)) WHERE incident_id = \(incident) AND msisdn = \(msisdn)
                          AND NOT EXISTS (SELECT 1 FROM incident_residents o WHERE o.incident_id = \(incident) AND o.msisdn = \(pseudonyms.of(msisdn)))
                        """, logger: logger)
                }
                return rows.count + residents.count
            }
        }
    }
}
