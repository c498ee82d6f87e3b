import Domain
import FlowEngine
import Foundation
import Gateway

extension OutboxState: SQLBindable {}

/// The outbox after a claim, for both stores: what the provider said, delivery reports, when the
/// next message falls due, counts. (Claiming is each store's own: SQLite on its one writer,
/// PostgreSQL with `FOR UPDATE SKIP LOCKED` and a lease.)
public enum OutboxStatements {
    /// A message queued for the sender (a reply, a confirmation, a notice).
    public static func enqueue(_ m: OutboundSMS, ticketID: Int64?, at: Date) -> SQL {
        "INSERT INTO outbox (\(raw: columns)) VALUES (\(ticketID), \(m.to.e164), \(m.body), \(m.evenIfOptedOut), \(at), \(at), \(at))"
    }

    /// The same for the ticket a data-modifying `WITH` inserts as `t` (`TicketStatements.insertCreated`).
    static func enqueue(_ m: OutboundSMS, forTicketIn t: String, at: Date) -> SQL {
        "INSERT INTO outbox (\(raw: columns)) SELECT id, \(m.to.e164), \(m.body), \(m.evenIfOptedOut), \(at), \(at), \(at) FROM \(raw: t)"
    }

    static let columns = "ticket_id, msisdn, body, even_if_opted_out, next_attempt_at, created_at, updated_at"

    /// During the quiet hours every quiet message due (an area alert) waits until `until`; rows
    /// another instance is claiming are left to it.
    public static func waitOutQuietHours(until: Date, now: Date) -> SQL {
        """
        UPDATE outbox SET next_attempt_at = \(until), updated_at = \(now)
        WHERE id IN (SELECT id FROM outbox WHERE status IN ('pending', 'held') AND quiet = \(true) AND next_attempt_at < \(until)\(sqlite: "",
                     postgres: " FOR UPDATE SKIP LOCKED"))
        """
    }

    /// A claim ends with the outcome: PostgreSQL's lease goes with it.
    static let endLease: SQL = "\(sqlite: "", postgres: ", lease_until = NULL")"

    /// A claim's outcomes: one statement for each kind of outcome the claim had (one in the usual
    /// case, every message accepted), not one a message, since on PostgreSQL each statement is a
    /// round trip. Each message's values (its provider's id, its segments, its next attempt, its
    /// error) come from a `VALUES` row joined on its id; `UPDATE ... FROM` reads the same in both
    /// dialects.
    static func record(_ results: [(OutboxMessage, SendResult)], now: Date, retry: RetryPolicy) -> [SQL] {
        var sent: [SQL] = [], again: [SQL] = [], failed: [SQL] = []
        for (message, result) in results {
            switch result {
            case .accepted(let providerID):
                sent.append("(\(message.id), \(providerID), \(SMSMeasure.of(message.body).segments))")
            case .temporary(let error) where message.attempt < retry.maxAttempts:
                again.append("(\(message.id), \(now.addingTimeInterval(retry.delay(afterAttempt: message.attempt))), \(error))")
            case .temporary(let error), .permanent(let error):
                failed.append("(\(message.id), \(error))")
            }
        }
        var statements: [SQL] = []
        if !sent.isEmpty {
            // Only a message still handed over: a delivery report may already have moved it on.
            statements.append("""
                WITH v (id, provider_message_id, segments) AS (VALUES \(joined: sent))
                UPDATE outbox SET status = \(OutboxState.sent), provider_message_id = v.provider_message_id, segments = v.segments,
                       sent_at = \(now), last_error = NULL\(endLease), updated_at = \(now)
                FROM v WHERE outbox.id = v.id AND outbox.status = \(OutboxState.sending)
                """)
        }
        if !again.isEmpty {
            statements.append("""
                WITH v (id, next_attempt_at, last_error) AS (VALUES \(joined: again))
                UPDATE outbox SET status = \(OutboxState.pending), next_attempt_at = v.next_attempt_at, last_error = v.last_error\(endLease),
                       updated_at = \(now)
                FROM v WHERE outbox.id = v.id
                """)
        }
        if !failed.isEmpty {
            statements.append("""
                WITH v (id, last_error) AS (VALUES \(joined: failed))
                UPDATE outbox SET status = \(OutboxState.failed), last_error = v.last_error\(endLease), updated_at = \(now)
                FROM v WHERE outbox.id = v.id
                """)
        }
        return statements
    }

    /// A report counts only for a message already handed to the provider (`sending` or `sent`), and
    /// never undoes a final state: a forged or replayed report cannot mark a queued message
    /// delivered (it would never be sent) nor turn a delivered one into failed. A late or repeated
    /// report for a message we did send is known, just not applied.
    ///
    /// Reports arrive in batches (`DeliveryReports`, one per message sent or more), and each
    /// statement is a round trip on PostgreSQL, so a batch is a few statements, not one a report:
    /// its reports in runs (`ReportRun`) that name each message once, a run's reports in one
    /// `UPDATE ... FROM` a `VALUES` list, the runs in arrival order; then one read of which of the
    /// reports that changed nothing name a message we sent. The same outcome as one report after
    /// another: within a run no message has two reports, and the runs keep their order.
    static func apply(_ reports: [DeliveryReport], now: Date) -> SQLFlow<[Bool]> {
        // A statement binds three values a report: a burst of reports is taken a thousand at a
        // time, in order, so no statement nears SQLite's or PostgreSQL's limit on bound values.
        guard reports.count > reportsAtATime else { return applyTogether(reports, now: now) }
        return applyTogether(Array(reports.prefix(reportsAtATime)), now: now).then { known in
            apply(Array(reports.dropFirst(reportsAtATime)), now: now).then { .done(known + $0) }
        }
    }

    static let reportsAtATime = 1_000

    private static func applyTogether(_ reports: [DeliveryReport], now: Date) -> SQLFlow<[Bool]> {
        guard !reports.isEmpty else { return .done([]) }
        let runs = ReportRun.split(reports)
        return .run(runs.map { $0.update(reports, now: now) }) { changed in
            var known = Array(repeating: false, count: reports.count)
            for (run, rows) in zip(runs, changed) {
                let names = Set(try rows.flatMap(ReportRun.names))
                for i in run.indices where names.contains(reports[i].message) { known[i] = true }
            }
            let rest = known.indices.filter { !known[$0] }
            guard !rest.isEmpty else { return .done(known) }
            let ids = rest.compactMap { if case .outboxID(let id) = reports[$0].message { id } else { nil } }
            let providerIDs = rest.compactMap { if case .providerID(let id) = reports[$0].message { id } else { nil } }
            let sentOnce: [OutboxState] = [.sending, .sent, .delivered, .failed]
            return .run("""
                SELECT id, provider_message_id FROM outbox
                WHERE (id IN \(list: ids) OR provider_message_id IN \(list: providerIDs)) AND status IN \(list: sentOnce)
                """) { [known] rows in
                let found = Set(try rows.flatMap(ReportRun.names))
                var all = known
                for i in rest where found.contains(reports[i].message) { all[i] = true }
                return .done(all)
            }
        }
    }
}

/// A report's message as a bound value: our id or the provider's.
extension DeliveryReport.Message: SQLBindable {
    public var sqlValue: SQLValue {
        switch self {
        case .outboxID(let id): id.sqlValue
        case .providerID(let id): id.sqlValue
        }
    }
}

/// Consecutive reports that name their messages the same way, each message once: one statement.
struct ReportRun {
    let indices: [Int]
    let byProviderID: Bool

    /// The reports in order, cut wherever a message would be named twice in a run or the way of
    /// naming changes (a provider's id and our id may name the same message).
    static func split(_ reports: [DeliveryReport]) -> [ReportRun] {
        var runs: [ReportRun] = []
        var current: [Int] = [], seen: Set<DeliveryReport.Message> = [], byProviderID = false
        for (i, report) in reports.enumerated() {
            let provider = if case .providerID = report.message { true } else { false }
            if !current.isEmpty && (provider != byProviderID || seen.contains(report.message)) {
                runs.append(ReportRun(indices: current, byProviderID: byProviderID))
                current = []
                seen = []
            }
            if current.isEmpty { byProviderID = provider }
            current.append(i)
            seen.insert(report.message)
        }
        runs.append(ReportRun(indices: current, byProviderID: byProviderID))
        return runs
    }

    /// Both names of the message in a row (`id`, `provider_message_id`).
    static func names(_ row: any SQLRow) throws -> [DeliveryReport.Message] {
        [.outboxID(try row.integer(required: "id"))] + (try row.text("provider_message_id").map { [.providerID($0)] } ?? [])
    }

    func update(_ reports: [DeliveryReport], now: Date) -> SQL {
        let rows: [SQL] = indices.map { i in
            let report = reports[i]
            let state: OutboxState = switch report.state {
            case .delivered: .delivered
            case .sent: .sent
            case .failed: .failed
            }
            return "(\(report.message), \(state), \(report.reason ?? "not delivered"))"
        }
        let handed: [OutboxState] = [.sending, .sent]
        let match = byProviderID ? "outbox.provider_message_id = v.message" : "outbox.id = v.message"
        return """
            WITH v (message, status, reason) AS (VALUES \(joined: rows))
            UPDATE outbox SET status = v.status,
                   delivered_at = CASE WHEN v.status = \(OutboxState.delivered) THEN \(now) ELSE delivered_at END,
                   last_error = CASE WHEN v.status = \(OutboxState.failed) THEN v.reason ELSE last_error END, updated_at = \(now)
            FROM v WHERE \(raw: match) AND outbox.status IN \(list: handed)
            RETURNING outbox.id AS id, outbox.provider_message_id AS provider_message_id
            """
    }
}

extension OutboxStore where Self: SQLBacked {
    public func record(_ results: [(OutboxMessage, SendResult)], now: Date, retry: RetryPolicy) async throws {
        try await statements.write(OutboxStatements.record(results, now: now, retry: retry))
    }

    public func nextDue() async throws -> Date? {
        try await statements.read("SELECT MIN(next_attempt_at) AS due FROM outbox WHERE status IN \(list: [OutboxState.pending, .held])") {
            try $0.date("due")
        }.first ?? nil
    }

    public func apply(_ reports: [DeliveryReport], now: Date) async throws -> [Bool] {
        try await statements.run(OutboxStatements.apply(reports, now: now))
    }

    /// Messages by state, for /metrics and tests.
    public func counts() async throws -> [OutboxState: Int] {
        try await statements.counts(of: "outbox", as: OutboxState.self)
    }
}
