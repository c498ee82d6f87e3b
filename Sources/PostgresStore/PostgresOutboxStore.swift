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

    /// A row of `claim`: id, number, body, attempts, even if opted out, opted out, no settings in
    /// clear, a crew's number, quiet.
    typealias ClaimRow = (Int64, String, String, Int, Bool, Bool, Bool, Bool, Bool)

    /// The next messages to send, in the queue's order, each locked for this claim: the messages
    /// due (`queued`) along `outbox_queue`, the walk stopping after `limit` and passing over
    /// another sender's locked ones; the claims that ran out (`lapsed`, a handful at most) along
    /// `outbox_due`'s status. One scan with both conditions ORed, as it was, read and sorted every
    /// due message at every claim: 35 ms a claim with 50,000 queued, during a storm the moment the
    /// queue is longest (`PostgresPlanTests`).
    static func claim(now: Date, limit: Int) -> PostgresQuery {
        """
        WITH queued AS (SELECT id FROM outbox WHERE status IN ('pending', 'held') AND next_attempt_at <= \(now)
                        ORDER BY priority, next_attempt_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED),
             lapsed AS (SELECT id FROM outbox WHERE status = 'sending' AND lease_until < \(now)
                        ORDER BY priority, next_attempt_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
        SELECT o.id, o.msisdn, o.body, o.attempts, o.even_if_opted_out, COALESCE(s.opted_out, false), s.msisdn IS NULL,
               EXISTS (SELECT 1 FROM crew_members c WHERE c.msisdn = o.msisdn), o.quiet
        FROM outbox o LEFT JOIN subscribers s ON s.msisdn = o.msisdn
        WHERE o.id IN (SELECT id FROM queued UNION ALL SELECT id FROM lapsed)
        ORDER BY o.priority, o.next_attempt_at, o.id LIMIT \(limit)
        """
    }

    /// The numbers' locks, and the claim of every message that goes, are one statement each.
    public func claimDue(limit: Int, now: Date, cap: DailySMSCap?, quietUntil: Date?, pseudonyms: Pseudonyms?) async throws -> [OutboxMessage] {
        let leaseUntil = now.addingTimeInterval(lease)
        return try await database.client.withTransaction(logger: logger) { tx in
            let rows = try await tx.query(Self.claim(now: now, limit: limit), logger: logger).decode(ClaimRow.self)
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
            // A number with no settings in clear may have sent STOP before its data was purged: its
            // settings are kept under its pseudonym. One read for the whole claim, not one a message.
            var stoppedUnderPseudonym: Set<String> = []
            let unknown = Set(due.compactMap { (_, number, _, _, evenIfOptedOut, stopped, unknown, _) in
                !stopped && !evenIfOptedOut && unknown ? number : nil
            })
            if let pseudonyms, !unknown.isEmpty {
                let numberOf = Dictionary(unknown.map { (pseudonyms.of($0), $0) }, uniquingKeysWith: { first, _ in first })
                for try await pseudonym in try await tx.query("""
                    SELECT msisdn FROM subscribers WHERE msisdn = ANY(\(Array(numberOf.keys))) AND opted_out
                    """, logger: logger).decode(String.self) {
                    if let number = numberOf[pseudonym] { stoppedUnderPseudonym.insert(number) }
                }
            }
            var claimed: [OutboxMessage] = []
            var handedToday: [String: Int] = [:]
            if let cap {
                // Lock the numbers in one order (sorted), so that concurrent claims wait for each
                // other instead of deadlocking, then count what each number was handed today.
                let numbers = Set(due.map(\.1)).sorted()
                if !numbers.isEmpty {
                    try await tx.perform("""
                        SELECT pg_advisory_xact_lock(hashtext(n))::text FROM unnest(\(numbers)::text[]) WITH ORDINALITY AS u(n, i) ORDER BY i
                        """, logger: logger)
                    for try await (number, sent) in try await tx.query("""
                        SELECT msisdn, COUNT(*)::BIGINT FROM outbox WHERE msisdn = ANY(\(numbers)) AND handed_at >= \(cap.since) GROUP BY msisdn
                        """, logger: logger).decode((String, Int64).self) {
                        handedToday[number] = Int(sent)
                    }
                }
            }
            for (id, number, body, attempts, evenIfOptedOut, stopped, _, crew) in due {
                let optedOut = stopped || stoppedUnderPseudonym.contains(number)
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
                claimed.append(OutboxMessage(id: id, to: to, body: body, attempt: attempts + 1))
            }
            if !claimed.isEmpty {
                try await tx.query("""
                    UPDATE outbox SET status = 'sending', attempts = attempts + 1, handed_at = COALESCE(handed_at, \(now)),
                        lease_until = \(leaseUntil), updated_at = \(now) WHERE id = ANY(\(claimed.map(\.id)))
                    """, logger: logger)
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
