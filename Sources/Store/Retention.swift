import Domain
import Foundation
import Gateway
import GRDB

/// Purging on SQLite: each class's rows that still hold personal data, found by the same
/// condition for counting and for purging, changed a batch per write transaction.
public struct SQLiteRetentionStore: RetentionStore {
    let database: AppDatabase

    public init(_ database: AppDatabase) { self.database = database }

    static let openStatuses = TicketStatus.allCases.filter(\.isOpen).map { "'\($0.rawValue)'" }.joined(separator: ", ")

    /// `table`, its key, and which of its rows are due: `?1` is the cutoff.
    static func due(_ c: RetentionPolicy.DataClass) -> (table: String, key: String, condition: String) {
        switch c {
        case .inboundSMS: ("inbound_sms", "id", "received_at < ?1 AND (body <> '' OR msisdn NOT LIKE 'h:%')")
        case .outboxSMS:
            ("outbox", "id", "created_at < ?1 AND status NOT IN ('pending', 'held', 'sending') AND (body <> '' OR msisdn NOT LIKE 'h:%')")
        case .sessions: ("ussd_sessions", "key", "updated_at < ?1")
        case .reporterNumbers:
            ("tickets", "id", """
                updated_at < ?1 AND status NOT IN (\(openStatuses))
                AND ((reporter IS NOT NULL AND reporter NOT LIKE 'h:%') OR address <> '' OR description <> '')
                """)
        case .staffSessions: ("staff_sessions", "token_hash", "last_seen_at < ?1")
        case .audit: ("audit_log", "id", "at < ?1")
        }
    }

    public func purgeable(_ c: RetentionPolicy.DataClass, before: Date) async throws -> Int {
        let (table, _, condition) = Self.due(c)
        return try await database.writer.read { db in
            var n = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE \(condition)", arguments: [before]) ?? 0
            if c == .reporterNumbers {
                n += try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM incident_residents r JOIN incidents i ON i.id = r.incident_id
                    WHERE i.status = 'closed' AND i.closed_at < ?1 AND r.msisdn NOT LIKE 'h:%'
                    """, arguments: [before]) ?? 0
            }
            return n
        }
    }

    public func purge(_ c: RetentionPolicy.DataClass, before: Date, limit: Int, pseudonyms: Pseudonyms) async throws -> Int {
        let (table, key, condition) = Self.due(c)
        return try await database.writer.write { db in
            switch c {
            case .sessions, .staffSessions, .audit:
                try db.execute(sql: "DELETE FROM \(table) WHERE \(key) IN (SELECT \(key) FROM \(table) WHERE \(condition) LIMIT ?2)", arguments: [before, limit])
                return db.changesCount
            case .inboundSMS, .outboxSMS:
                let rows = try Row.fetchAll(db, sql: "SELECT id, msisdn FROM \(table) WHERE \(condition) ORDER BY id LIMIT ?2", arguments: [before, limit])
                let update = try db.cachedStatement(sql: "UPDATE \(table) SET body = '', msisdn = ? WHERE id = ?")
                for row in rows { try update.execute(arguments: [pseudonyms.of(row[1]), row[0] as Int64]) }
                return rows.count
            case .reporterNumbers:
                let rows = try Row.fetchAll(db, sql: "SELECT id, reporter FROM tickets WHERE \(condition) ORDER BY id LIMIT ?2", arguments: [before, limit])
                let ticket = try db.cachedStatement(sql: "UPDATE tickets SET reporter = ?, address = '', description = '' WHERE id = ?")
                let surveys = try db.cachedStatement(sql: "UPDATE surveys SET msisdn = ? WHERE ticket_id = ? AND msisdn = ?")
                for row in rows {
                    let id: Int64 = row[0]
                    let reporter: String? = row[1]
                    let hashed = reporter.map(pseudonyms.of)
                    try ticket.execute(arguments: [hashed, id])
                    if let reporter, let hashed { try surveys.execute(arguments: [hashed, id, reporter]) }
                }
                let residents = try Row.fetchAll(db, sql: """
                    SELECT r.incident_id, r.msisdn FROM incident_residents r JOIN incidents i ON i.id = r.incident_id
                    WHERE i.status = 'closed' AND i.closed_at < ?1 AND r.msisdn NOT LIKE 'h:%' LIMIT ?2
                    """, arguments: [before, max(0, limit - rows.count)])
                let resident = try db.cachedStatement(sql: """
                    UPDATE OR IGNORE incident_residents SET msisdn = ? WHERE incident_id = ? AND msisdn = ?
                    """)
                for row in residents { try resident.execute(arguments: [pseudonyms.of(row[1]), row[0] as Int64, row[1] as String]) }
                return rows.count + residents.count
            }
        }
    }
}
