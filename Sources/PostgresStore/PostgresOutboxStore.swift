import Domain
import FlowEngine
import Foundation
import Gateway
import Logging
import Persistence
import PostgresNIO

/// The outbox on PostgreSQL, with every instance sending. A sender claims due messages with
/// `FOR UPDATE SKIP LOCKED`, so two senders never take the same one, and holds each for a lease:
/// if its instance dies mid-send, the lease runs out and another sender claims the message again
/// (at least once, as on SQLite after a restart). The per-number daily cap is counted under a
/// transaction advisory lock on the number, so two instances cannot both send the 21st SMS.
public struct PostgresOutboxStore: OutboxStore {
    let database: PostgresAppDatabase
    /// How long a claim lasts: well beyond one provider request with its time-out.
    let lease: TimeInterval

    public init(_ database: PostgresAppDatabase, lease: TimeInterval = 45) {
        self.database = database
        self.lease = lease
    }

    var logger: Logger { database.logger }

    public func claimDue(limit: Int, now: Date, cap: DailySMSCap?, quietUntil: Date?, pseudonyms: Pseudonyms?) async throws -> [OutboxMessage] {
        let leaseUntil = now.addingTimeInterval(lease)
        return try await database.client.withTransaction(logger: logger) { tx in
            let rows = try await tx.query("""
                SELECT o.id, o.msisdn, o.body, o.attempts, o.even_if_opted_out, COALESCE(s.opted_out, false), s.msisdn IS NULL,
                       EXISTS (SELECT 1 FROM crew_members c WHERE c.msisdn = o.msisdn), o.quiet
                FROM outbox o LEFT JOIN subscribers s ON s.msisdn = o.msisdn
                WHERE o.id IN (
                    SELECT id FROM outbox
                    WHERE (status IN ('pending', 'held') AND next_attempt_at <= \(now)) OR (status = 'sending' AND lease_until < \(now))
                    ORDER BY priority, next_attempt_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                ORDER BY o.priority, o.next_attempt_at, o.id
                """, logger: logger).decode((Int64, String, String, Int, Bool, Bool, Bool, Bool, Bool).self)
            var due: [(Int64, String, String, Int, Bool, Bool, Bool, Bool)] = []
            var quiet: [Int64] = []
            for try await row in rows {
                // An area alert during the quiet hours: it and every other one due wait.
                if quietUntil != nil && row.8 { quiet.append(row.0); continue }
                due.append((row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7))
            }
            if let quietUntil, !quiet.isEmpty {
                try await tx.query("""
                    UPDATE outbox SET status = CASE WHEN status = 'sending' THEN 'pending' ELSE status END, next_attempt_at = \(quietUntil),
                        lease_until = NULL WHERE id = ANY(\(quiet))
                    """, logger: logger)
                _ = try await PostgresStatements.run(SQLFlow.write([OutboxStatements.waitOutQuietHours(until: quietUntil, now: now)], ()), tx, logger: logger)
            }
            var claimed: [OutboxMessage] = []
            var handedToday: [String: Int] = [:]
            if let cap {
                // Lock the numbers in one order (sorted), so that concurrent claims wait for each
                // other instead of deadlocking, then count what each number was handed today.
                let numbers = Set(due.map(\.1)).sorted()
                for number in numbers {
                    try await tx.perform("SELECT pg_advisory_xact_lock(hashtext(\(number)))::text", logger: logger)
                }
                if !numbers.isEmpty {
                    for try await (number, sent) in try await tx.query("""
                        SELECT msisdn, COUNT(*)::BIGINT FROM outbox WHERE msisdn = ANY(\(numbers)) AND handed_at >= \(cap.since) GROUP BY msisdn
                        """, logger: logger).decode((String, Int64).self) {
                        handedToday[number] = Int(sent)
                    }
                }
            }
            for (id, number, body, attempts, evenIfOptedOut, stopped, unknown, crew) in due {
                var optedOut = stopped
                if !optedOut && !evenIfOptedOut && unknown, let pseudonym = pseudonyms?.of(number) {
                    let rows = try await tx.query("SELECT opted_out FROM subscribers WHERE msisdn = \(pseudonym)", logger: logger).decode(Bool.self)
                    for try await kept in rows { optedOut = kept }
                }
                if optedOut && !evenIfOptedOut {
                    try await tx.query("""
                        UPDATE outbox SET status = 'suppressed', last_error = 'recipient sent STOP', lease_until = NULL, updated_at = \(now) WHERE id = \(id)
                        """, logger: logger)
                    continue
                }
                guard let to = MSISDN(number) else {
                    try await tx.query("UPDATE outbox SET status = 'failed', last_error = 'invalid number', updated_at = \(now) WHERE id = \(id)", logger: logger)
                    continue
                }
                if let cap {
                    let sent = handedToday[number] ?? 0
                    let limit = crew ? cap.crewLimit : cap.limit
                    guard sent < limit else {
                        try await tx.query("""
                            UPDATE outbox SET status = 'held', next_attempt_at = \(cap.nextDay), lease_until = NULL,
                                last_error = \("held: \(limit) SMS to this number today"), updated_at = \(now) WHERE id = \(id)
                            """, logger: logger)
                        handedToday[number] = sent
                        continue
                    }
                    handedToday[number] = sent + 1
                }
                try await tx.query("""
                    UPDATE outbox SET status = 'sending', attempts = attempts + 1, handed_at = COALESCE(handed_at, \(now)),
                        lease_until = \(leaseUntil), updated_at = \(now) WHERE id = \(id)
                    """, logger: logger)
                claimed.append(OutboxMessage(id: id, to: to, body: body, attempt: attempts + 1))
            }
            return claimed
        }
    }

    /// Nothing to do at start-up: another instance may be sending right now, and a claim left by a
    /// dead sender is claimed again once its lease runs out.
    public func releaseClaims() async throws -> Int { 0 }

    public func renewClaims(_ ids: [Int64], now: Date) async throws {
        guard !ids.isEmpty else { return }
        try await database.client.query("""
            UPDATE outbox SET lease_until = \(now.addingTimeInterval(lease)) WHERE id = ANY(\(ids)) AND status = 'sending'
            """, logger: logger)
    }
}

extension PostgresOutboxStore: SQLBacked {
    public var statements: any SQLDatabase { PostgresStatementDatabase(database: database) }
}
