import Domain
import Foundation
import Gateway
import GRDB
import Persistence

/// Purging on SQLite: each class's rows that still hold personal data, found by the same
/// condition for counting and for purging, changed a batch per write transaction.
public struct SQLiteRetentionStore: RetentionStore {
    let database: AppDatabase

    public init(_ database: AppDatabase) { self.database = database }

    static let openStatuses = RetentionStatements.openStatuses
    static let closedResidents = RetentionStatements.residentsDue(cutoff: "?1")

    /// `table`, its key, and which of its rows are due: `?1` is the cutoff.
    static func due(_ c: RetentionPolicy.DataClass) -> (table: String, key: String, condition: String) {
        RetentionStatements.due(c, cutoff: "?1")
    }

    /// Moves a subscriber's language and STOP under its pseudonym (a STOP already there wins).
    static func hideSubscriber(_ db: Database, _ number: String, _ pseudonym: String, at: Date) throws {
        try db.execute(sql: """
            INSERT INTO subscribers (msisdn, language, opted_out, opted_out_at, last_help_at, updated_at)
            SELECT ?, language, opted_out, opted_out_at, NULL, ? FROM subscribers WHERE msisdn = ?
            ON CONFLICT (msisdn) DO UPDATE SET language = excluded.language, opted_out = MAX(subscribers.opted_out, excluded.opted_out),
                updated_at = excluded.updated_at
            """, arguments: [pseudonym, at, number])
        try db.execute(sql: "DELETE FROM subscribers WHERE msisdn = ?", arguments: [number])
    }

    public func purgeable(_ c: RetentionPolicy.DataClass, before: Date) async throws -> Int {
        let (table, _, condition) = Self.due(c)
        if c == .sessions { try await database.live.saveNow() }
        return try await database.writer.read { db in
            var n = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE \(condition)", arguments: [before]) ?? 0
            if c == .reporterNumbers {
                n += try Int.fetchOne(db, sql: "SELECT COUNT(*) \(Self.closedResidents)", arguments: [before]) ?? 0
                n += try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ticket_reporters j WHERE \(RetentionStatements.addedReportersDue(cutoff: "?1"))",
                                      arguments: [before]) ?? 0
            }
            return n
        }
    }

    public func purge(_ c: RetentionPolicy.DataClass, before: Date, limit: Int, after: Int64, pseudonyms: Pseudonyms) async throws -> PurgeBatch {
        // The rows due are looked for first, in a read, which no writer waits for: found inside
        // the write transaction, a search through rows that are not due held the write lock for
        // all of it (a purge with nothing left to do held it 94-110 ms on 300,000 tickets, a hop
        // waiting behind it). The write then takes only those rows, if still due.
        let found = try await database.writer.read { db in try Self.search(db, c, before: before, limit: limit, after: after) }
        if let found, found.nothingDue { return PurgeBatch(count: 0, last: nil) }
        // Timed from BEGIN IMMEDIATE's return to COMMIT's: how long `serve`'s writer could wait for this batch.
        return try await database.writer.writeWithoutTransaction { db in
            var batch = PurgeBatch(count: 0, last: nil)
            var began = ContinuousClock.now
            try db.inTransaction(.immediate) {
                began = .now
                batch = try purgeRows(db, c, before: before, limit: limit, found: found?.ids, pseudonyms: pseudonyms)
                return .commit
            }
            batch.held = .now - began
            return batch
        }
    }

    /// What a batch's read found due: the ids of its rows kept (changed), in order, and for
    /// reporter numbers, when no ticket is due, whether any resident of a closed incident or
    /// added reporter is.
    struct Found {
        var ids: [Int64]
        var others = false
        var nothingDue: Bool { ids.isEmpty && !others }
    }

    /// The batch's rows due, for the classes whose rows are found along the table rather than an
    /// index (nil for the others, whose batch finds its rows itself).
    static func search(_ db: Database, _ c: RetentionPolicy.DataClass, before: Date, limit: Int, after: Int64) throws -> Found? {
        let (table, key, condition) = due(c)
        switch c {
        case .inboundSMS, .outboxSMS, .reporterNumbers:
            var found = Found(ids: try Int64.fetchAll(db, sql: "SELECT \(key) FROM \(table) WHERE \(key) > ?3 AND \(condition) ORDER BY \(key) LIMIT ?2",
                                                      arguments: [before, limit, after]))
            // Residents and added reporters matter only when no ticket is due: the batch's write
            // looks for them itself with whatever room its tickets leave (these two searches, at
            // every batch, walked both tables each time).
            if c == .reporterNumbers && found.ids.isEmpty {
                found.others = try Bool.fetchOne(db, sql: """
                    SELECT EXISTS (SELECT 1 \(closedResidents))
                        OR EXISTS (SELECT 1 FROM ticket_reporters j WHERE \(RetentionStatements.addedReportersDue(cutoff: "?1")))
                    """, arguments: [before]) ?? true
            }
            return found
        default: return nil
        }
    }

    /// Which rows a batch takes: those its read `found` (`search`) that are still due (a ticket
    /// reopened since is not: it waits for the next run, as the batch then counts short).
    static func taken(_ condition: String, found: [Int64]?) -> String {
        "id IN (\((found ?? []).map(String.init).joined(separator: ", "))) AND \(condition)"
    }

    func purgeRows(_ db: Database, _ c: RetentionPolicy.DataClass, before: Date, limit: Int, found: [Int64]?, pseudonyms: Pseudonyms) throws -> PurgeBatch {
        let (table, key, condition) = Self.due(c)
        switch c {
        case .sessions, .staffSessions, .audit, .alertSubscriptions:
            if c == .sessions { try database.live.save(db) }
            try db.execute(sql: "DELETE FROM \(table) WHERE \(key) IN (SELECT \(key) FROM \(table) WHERE \(condition) LIMIT ?2)", arguments: [before, limit])
            let count = db.changesCount
            if c == .sessions {
                let live = database.live
                db.afterNextTransaction(onCommit: { _ in live.forget(updatedBefore: before) })
            }
            return PurgeBatch(count: count, last: nil)
        case .subscribers:
            let numbers = try String.fetchAll(db, sql: "SELECT msisdn FROM subscribers WHERE \(condition) LIMIT ?2", arguments: [before, limit])
            for n in numbers { try Self.hideSubscriber(db, n, pseudonyms.of(n), at: before) }
            return PurgeBatch(count: numbers.count, last: nil)
        case .inboundSMS, .outboxSMS:
            let rows = try Row.fetchAll(db, sql: "SELECT id, msisdn FROM \(table) WHERE \(Self.taken(condition, found: found))", arguments: [before])
            let update = try db.cachedStatement(sql: "UPDATE \(table) SET body = '', msisdn = ? WHERE id = ?")
            for row in rows { try update.execute(arguments: [pseudonyms.of(row["msisdn"]), row["id"] as Int64]) }
            return PurgeBatch(count: rows.count, last: found?.last)
        case .reporterNumbers:
            let rows = try Row.fetchAll(db, sql: "SELECT id, reporter FROM tickets WHERE \(Self.taken(condition, found: found))", arguments: [before])
            let ticket = try db.cachedStatement(sql: "UPDATE tickets SET reporter = ?, address = '', description = '' WHERE id = ?")
            let surveys = try db.cachedStatement(sql: "UPDATE surveys SET msisdn = ? WHERE ticket_id = ? AND msisdn = ?")
            let details = try db.cachedStatement(sql: "DELETE FROM reporter_details WHERE ticket_id = ?")
            for row in rows {
                let id: Int64 = row["id"]
                let reporter: String? = row["reporter"]
                let hashed = reporter.map(pseudonyms.of)
                try ticket.execute(arguments: [hashed, id])
                try details.execute(arguments: [id])
                if let reporter, let hashed { try surveys.execute(arguments: [hashed, id, reporter]) }
            }
            let residents = try Row.fetchAll(db, sql: "SELECT r.incident_id, r.msisdn \(Self.closedResidents) LIMIT ?2",
                                             arguments: [before, max(0, limit - rows.count)])
            let resident = try db.cachedStatement(sql: """
                UPDATE OR IGNORE incident_residents SET msisdn = ? WHERE incident_id = ? AND msisdn = ?
                """)
            for row in residents {
                try resident.execute(arguments: [pseudonyms.of(row["msisdn"]), row["incident_id"] as Int64, row["msisdn"] as String])
            }
            let added = try Row.fetchAll(db, sql: "SELECT j.id, j.msisdn FROM ticket_reporters j WHERE \(RetentionStatements.addedReportersDue(cutoff: "?1")) LIMIT ?2",
                                         arguments: [before, max(0, limit - rows.count - residents.count)])
            let joined = try db.cachedStatement(sql: "UPDATE OR IGNORE ticket_reporters SET msisdn = ? WHERE id = ?")
            let leftover = try db.cachedStatement(sql: "DELETE FROM ticket_reporters WHERE id = ? AND msisdn NOT LIKE 'h:%'")
            for row in added {
                try joined.execute(arguments: [pseudonyms.of(row["msisdn"]), row["id"] as Int64])
                try leftover.execute(arguments: [row["id"] as Int64])  // the pseudonym was on this ticket already
            }
            return PurgeBatch(count: rows.count + residents.count + added.count, last: found?.last)
        }
    }
}

/// Erasing a data subject on SQLite (their data is read by `Persistence/SubjectStatements.swift`).
extension SQLiteRetentionStore: SubjectStore, Settling {
    public var statements: any SQLDatabase { SQLiteStatementDatabase(database: database) }
    public func settle() async throws { try await database.live.saveNow() }

    public func erase(_ number: MSISDN, pseudonym: String, actor: String, at: Date) async throws -> Int {
        let n = number.e164
        return try await database.writer.write { db in
            var changed = 0
            // An open ticket keeps its address (the crew still needs it); every ticket loses the words and what an app said of the person.
            try db.execute(sql: "DELETE FROM reporter_details WHERE ticket_id IN (SELECT id FROM tickets WHERE reporter = ?)", arguments: [n])
            changed += db.changesCount
            // ... but not a number or e-mail the resident typed into it.
            let addresses = try Row.fetchAll(db, sql: """
                SELECT id, address FROM tickets WHERE reporter = ? AND status IN (\(Self.openStatuses)) AND address <> ''
                """, arguments: [n])
            for row in addresses {
                let address: String = row["address"], scrubbed = PublicText.scrub(address)
                if scrubbed != address {
                    try db.execute(sql: "UPDATE tickets SET address = ?, street_number = ? WHERE id = ?",
                                   arguments: [scrubbed, ReportedPlace.storedNumber(of: scrubbed), row["id"] as Int64])
                }
            }
            try db.execute(sql: """
                UPDATE tickets SET reporter = ?, description = '', address = CASE WHEN status IN (\(Self.openStatuses)) THEN address ELSE '' END
                WHERE reporter = ?
                """, arguments: [pseudonym, n])
            changed += db.changesCount
            try db.execute(sql: "UPDATE inbound_sms SET msisdn = ?, body = '' WHERE msisdn = ?", arguments: [pseudonym, n])
            changed += db.changesCount
            try db.execute(sql: """
                UPDATE outbox SET msisdn = ?, body = '',
                    status = CASE WHEN status IN ('pending', 'held') THEN 'failed' ELSE status END,
                    last_error = CASE WHEN status IN ('pending', 'held') THEN 'erased at the subject''s request' ELSE last_error END
                WHERE msisdn = ?
                """, arguments: [pseudonym, n])
            changed += db.changesCount
            try db.execute(sql: "UPDATE surveys SET msisdn = ? WHERE msisdn = ?", arguments: [pseudonym, n])
            changed += db.changesCount
            try db.execute(sql: "UPDATE OR IGNORE incident_residents SET msisdn = ? WHERE msisdn = ?", arguments: [pseudonym, n])
            changed += db.changesCount
            try db.execute(sql: "DELETE FROM incident_residents WHERE msisdn = ?", arguments: [n])
            try db.execute(sql: "UPDATE OR IGNORE ticket_reporters SET msisdn = ? WHERE msisdn = ?", arguments: [pseudonym, n])
            changed += db.changesCount
            try db.execute(sql: "DELETE FROM ticket_reporters WHERE msisdn = ?", arguments: [n])
            try db.execute(sql: "DELETE FROM alert_subscriptions WHERE msisdn = ?", arguments: [n])
            changed += db.changesCount
            try database.live.save(db)
            try db.execute(sql: "DELETE FROM ussd_sessions WHERE msisdn = ?", arguments: [n])
            changed += db.changesCount
            let live = database.live
            db.afterNextTransaction(onCommit: { _ in live.forget(number) })
            // STOP and language survive under the pseudonym.
            try Self.hideSubscriber(db, n, pseudonym, at: at)
            changed += db.changesCount
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, 'subject erased', ?)",
                           arguments: [at, actor, "\(pseudonym): \(changed) rows"])
            return changed
        }
    }
}
