import Domain
import FlowEngine
import Foundation
import Gateway
import GRDB
import Persistence

/// The `outbox` table.
enum OutboxRows {
    /// `OutboxStatements.enqueue`, prepared once: every hop that replies by SMS comes here.
    static func enqueue(_ db: Database, _ m: OutboundSMS, ticketID: Int64?, at: Date) throws {
        let at = DatabaseDate.text(at)
        try db.cachedStatement(sql: """
            INSERT INTO outbox (ticket_id, msisdn, body, even_if_opted_out, next_attempt_at, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [ticketID, m.to.e164, m.body, m.evenIfOptedOut, at, at, at])
    }

    /// The next messages to send, in the queue's order, read along `outbox_queue`: it stops after
    /// `LIMIT` rows. Left to itself the planner takes `outbox_due` (status, time) and sorts every
    /// due message to return the first few, so each claim cost as much as the backlog was long:
    /// during a storm, the moment the queue is longest.
    static let claimQuery = """
        SELECT o.id, o.msisdn, o.body, o.attempts, o.even_if_opted_out, o.quiet, COALESCE(s.opted_out, 0) AS opted_out, s.msisdn IS NULL AS unknown,
               EXISTS (SELECT 1 FROM crew_members c WHERE c.msisdn = o.msisdn) AS crew
        FROM outbox o INDEXED BY outbox_queue LEFT JOIN subscribers s ON s.msisdn = o.msisdn
        WHERE o.status IN ('pending', 'held') AND o.next_attempt_at <= ? ORDER BY o.priority, o.next_attempt_at, o.id LIMIT ?
        """
}

/// The outbox on SQLite, for the sender service and delivery reports.
public struct SQLiteOutboxStore: OutboxStore {
    let database: AppDatabase

    public init(_ database: AppDatabase) { self.database = database }

    public func claimDue(limit: Int, now: Date, cap: DailySMSCap?, quietUntil: Date?, pseudonyms: Pseudonyms?) async throws -> [OutboxMessage] {
        try await database.writer.write { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: OutboxRows.claimQuery), arguments: [now, limit])
            var claimed: [OutboxMessage] = []
            var handedToday: [String: Int] = [:]
            var waited = false
            for row in rows {
                let id: Int64 = row["id"]
                if let quietUntil, row["quiet"] as Bool {
                    if !waited { try SQLiteStatements.run(.write([OutboxStatements.waitOutQuietHours(until: quietUntil, now: now)], ()), db) }
                    waited = true
                    continue
                }
                let evenIfOptedOut: Bool = row["even_if_opted_out"]
                var optedOut: Bool = row["opted_out"]
                if !optedOut && !evenIfOptedOut && row["unknown"], let pseudonyms {
                    optedOut = try SubscriberRows.fetch(db, pseudonyms.of(row["msisdn"]))?.optedOut ?? false
                }
                if optedOut && !evenIfOptedOut {
                    // STOP wins over everything queued before it: visible, never silently dropped.
                    try db.cachedStatement(sql: "UPDATE outbox SET status = 'suppressed', last_error = 'recipient sent STOP', updated_at = ? WHERE id = ?")
                        .execute(arguments: [now, id])
                    continue
                }
                guard let to = MSISDN(row["msisdn"] as String) else {
                    try db.execute(sql: "UPDATE outbox SET status = 'failed', last_error = 'invalid number', updated_at = ? WHERE id = ?",
                                   arguments: [now, id])
                    continue
                }
                if let cap {
                    let number = to.e164
                    let sent = try handedToday[number] ?? Int.fetchOne(db.cachedStatement(sql: """
                        SELECT COUNT(*) FROM outbox WHERE msisdn = ? AND handed_at >= ?
                        """), arguments: [number, cap.since]) ?? 0
                    let limit: Int = row["crew"] ? cap.crewLimit : cap.limit
                    guard sent < limit else {
                        // Over today's cap for this number: it waits for tomorrow, visibly.
                        try db.cachedStatement(sql: """
                            UPDATE outbox SET status = 'held', next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?
                            """).execute(arguments: [cap.nextDay, "held: \(limit) SMS to this number today", now, id])
                        handedToday[number] = sent
                        continue
                    }
                    handedToday[number] = sent + 1
                }
                try db.cachedStatement(sql: """
                    UPDATE outbox SET status = 'sending', attempts = attempts + 1, handed_at = COALESCE(handed_at, ?), updated_at = ? WHERE id = ?
                    """).execute(arguments: [now, now, id])
                claimed.append(OutboxMessage(id: id, to: to, body: row["body"], attempt: (row["attempts"] as Int) + 1))
            }
            return claimed
        }
    }

    public func releaseClaims() async throws -> Int {
        try await database.writer.write { db in
            try db.execute(sql: "UPDATE outbox SET status = 'pending' WHERE status = 'sending'")
            return db.changesCount
        }
    }
}

extension SQLiteOutboxStore: SQLBacked {
    public var statements: any SQLDatabase { SQLiteStatementDatabase(database: database) }
}
