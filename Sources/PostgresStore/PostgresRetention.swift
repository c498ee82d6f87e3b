import Domain
import Foundation
import Gateway
import Logging
import Persistence
import PostgresNIO

/// Purging on PostgreSQL, as `Store.SQLiteRetentionStore`; a batch's rows are locked with
/// `SKIP LOCKED`, so two instances purging at once share the work instead of waiting.
public struct PostgresRetentionStore: RetentionStore {
    let database: PostgresAppDatabase

    public init(_ database: PostgresAppDatabase) { self.database = database }

    var logger: Logger { database.logger }

    static let openStatuses = RetentionStatements.openStatuses

    /// `table`, its key, and which of its rows are due: `$1` is the cutoff.
    static func due(_ c: RetentionPolicy.DataClass) -> (table: String, key: String, condition: String) {
        RetentionStatements.due(c, cutoff: "$1")
    }

    /// Moves a subscriber's language and STOP under its pseudonym (a STOP already there wins); the rows changed.
    static func hideSubscriber(_ tx: PostgresConnection, _ number: String, _ pseudonym: String, at: Date, logger: Logger) async throws -> Int {
        try await tx.query("""
            INSERT INTO subscribers (msisdn, language, opted_out, opted_out_at, last_help_at, updated_at)
            SELECT \(pseudonym), language, opted_out, opted_out_at, NULL, \(at) FROM subscribers WHERE msisdn = \(number)
            ON CONFLICT (msisdn) DO UPDATE SET language = excluded.language, opted_out = subscribers.opted_out OR excluded.opted_out,
                updated_at = excluded.updated_at
            """, logger: logger)
        return try await tx.query("DELETE FROM subscribers WHERE msisdn = \(number) RETURNING 1", logger: logger).decode(Int32.self).reduce(0) { n, _ in n + 1 }
    }

    static let closedResidents = RetentionStatements.residentsDue(cutoff: "$1")

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
            for try await count in try await database.client.query(try query("""
                SELECT COUNT(*)::BIGINT FROM ticket_reporters j WHERE \(RetentionStatements.addedReportersDue(cutoff: "$1"))
                """, [before]), logger: logger).decode(Int64.self) { n += count }
        }
        return Int(n)
    }

    public func purge(_ c: RetentionPolicy.DataClass, before: Date, limit: Int, after: Int64, pseudonyms: Pseudonyms) async throws -> PurgeBatch {
        let (table, key, condition) = Self.due(c)
        let limit = Int64(limit)
        return try await database.client.withTransaction(logger: logger) { tx in
            switch c {
            case .sessions, .staffSessions, .audit, .alertSubscriptions:
                let n = try await tx.query(try query("""
                    DELETE FROM \(table) WHERE \(key) IN (SELECT \(key) FROM \(table) WHERE \(condition) LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING 1
                    """, [before, limit]), logger: logger).decode(Int32.self).reduce(0) { n, _ in n + 1 }
                return PurgeBatch(count: n, last: nil)
            case .subscribers:
                var numbers: [String] = []
                for try await n in try await tx.query(try query("SELECT msisdn FROM subscribers WHERE \(condition) LIMIT $2 FOR UPDATE SKIP LOCKED",
                                                                [before, limit]), logger: logger).decode(String.self) { numbers.append(n) }
                for n in numbers { _ = try await Self.hideSubscriber(tx, n, pseudonyms.of(n), at: before, logger: logger) }
                return PurgeBatch(count: numbers.count, last: nil)
            case .inboundSMS, .outboxSMS:
                var rows: [(Int64, String)] = []
                for try await row in try await tx.query(try query("""
                    SELECT id, msisdn FROM \(table) WHERE id > $3 AND \(condition) ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
                    """, [before, limit, after]), logger: logger).decode((Int64, String).self) { rows.append(row) }
                for (id, msisdn) in rows {
                    try await tx.query(try query("UPDATE \(table) SET body = '', msisdn = $1 WHERE id = $2", [pseudonyms.of(msisdn), id]), logger: logger)
                }
                return PurgeBatch(count: rows.count, last: rows.last?.0)
            case .reporterNumbers:
                var rows: [(Int64, String?)] = []
                for try await row in try await tx.query(try query("""
                    SELECT id, reporter FROM tickets WHERE id > $3 AND \(condition) ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
                    """, [before, limit, after]), logger: logger).decode((Int64, String?).self) { rows.append(row) }
                for (id, reporter) in rows {
                    let hashed = reporter.map(pseudonyms.of)
                    try await tx.query("UPDATE tickets SET reporter = \(hashed), address = '', description = '' WHERE id = \(id)", logger: logger)
                    try await tx.query("DELETE FROM reporter_details WHERE ticket_id = \(id)", logger: logger)
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
                var added: [(Int64, String)] = []
                for try await row in try await tx.query(try query("""
                    SELECT j.id, j.msisdn FROM ticket_reporters j WHERE \(RetentionStatements.addedReportersDue(cutoff: "$1")) LIMIT $2 FOR UPDATE OF j SKIP LOCKED
                    """, [before, max(0, limit - Int64(rows.count + residents.count))]), logger: logger).decode((Int64, String).self) { added.append(row) }
                for (id, msisdn) in added {
                    let hashed = pseudonyms.of(msisdn)
                    try await tx.query("""
                        UPDATE ticket_reporters j SET msisdn = \(hashed) WHERE id = \(id)
                          AND NOT EXISTS (SELECT 1 FROM ticket_reporters o WHERE o.ticket_id = j.ticket_id AND o.msisdn = \(hashed))
                        """, logger: logger)
                    try await tx.query("DELETE FROM ticket_reporters WHERE id = \(id) AND msisdn = \(msisdn)", logger: logger)  // the pseudonym was there already
                }
                return PurgeBatch(count: rows.count + residents.count + added.count, last: rows.last?.0)
            }
        }
    }
}

/// Erasing a data subject on PostgreSQL (their data is read by `Persistence/SubjectStatements.swift`).
extension PostgresRetentionStore: SubjectStore, Settling {
    public var statements: any SQLDatabase { PostgresStatementDatabase(database: database) }

    public func erase(_ number: MSISDN, pseudonym: String, actor: String, at: Date) async throws -> Int {
        let n = number.e164
        return try await database.client.withTransaction(logger: logger) { tx in
            var changed = 0
            func run(_ q: PostgresQuery) async throws {
                changed += try await tx.query(q, logger: logger).decode(Int32.self).reduce(0) { c, _ in c + 1 }
            }
            try await run("DELETE FROM reporter_details WHERE ticket_id IN (SELECT id FROM tickets WHERE reporter = \(n)) RETURNING 1")
            // An open ticket keeps its address, but not a number or e-mail the resident typed into it.
            let open = TicketStatus.allCases.filter(\.isOpen).map(\.rawValue)
            var addresses: [(Int64, String)] = []
            for try await (id, address) in try await tx.query("""
                SELECT id, address FROM tickets WHERE reporter = \(n) AND status = ANY(\(open)) AND address <> ''
                """, logger: logger).decode((Int64, String).self) {
                addresses.append((id, address))
            }
            for (id, address) in addresses where PublicText.scrub(address) != address {
                let scrubbed = PublicText.scrub(address)
                try await tx.query("UPDATE tickets SET address = \(scrubbed), street_number = \(ReportedPlace.storedNumber(of: scrubbed)) WHERE id = \(id)",
                                   logger: logger)
            }
            try await run("""
                UPDATE tickets SET reporter = \(pseudonym), description = '',
                    address = CASE WHEN status = ANY(\(TicketStatus.allCases.filter(\.isOpen).map(\.rawValue))) THEN address ELSE '' END
                WHERE reporter = \(n) RETURNING 1
                """)
            try await run("UPDATE inbound_sms SET msisdn = \(pseudonym), body = '' WHERE msisdn = \(n) RETURNING 1")
            try await run("""
                UPDATE outbox SET msisdn = \(pseudonym), body = '',
                    status = CASE WHEN status IN ('pending', 'held') THEN 'failed' ELSE status END,
                    last_error = CASE WHEN status IN ('pending', 'held') THEN 'erased at the subject''s request' ELSE last_error END
                WHERE msisdn = \(n) RETURNING 1
                """)
            try await run("UPDATE surveys SET msisdn = \(pseudonym) WHERE msisdn = \(n) RETURNING 1")
            try await run("""
                UPDATE incident_residents r SET msisdn = \(pseudonym) WHERE r.msisdn = \(n)
                  AND NOT EXISTS (SELECT 1 FROM incident_residents o WHERE o.incident_id = r.incident_id AND o.msisdn = \(pseudonym)) RETURNING 1
                """)
            try await run("DELETE FROM incident_residents WHERE msisdn = \(n) RETURNING 1")
            try await run("""
                UPDATE ticket_reporters j SET msisdn = \(pseudonym) WHERE j.msisdn = \(n)
                  AND NOT EXISTS (SELECT 1 FROM ticket_reporters o WHERE o.ticket_id = j.ticket_id AND o.msisdn = \(pseudonym)) RETURNING 1
                """)
            try await run("DELETE FROM ticket_reporters WHERE msisdn = \(n) RETURNING 1")
            try await run("DELETE FROM alert_subscriptions WHERE msisdn = \(n) RETURNING 1")
            try await run("DELETE FROM ussd_sessions WHERE msisdn = \(n) RETURNING 1")
            changed += try await Self.hideSubscriber(tx, n, pseudonym, at: at, logger: logger)
            try await tx.query("""
                INSERT INTO audit_log (at, actor, action, detail) VALUES (\(at), \(actor), 'subject erased', \("\(pseudonym): \(changed) rows"))
                """, logger: logger)
            return changed
        }
    }
}
