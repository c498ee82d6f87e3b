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

    static func record(_ message: OutboxMessage, _ result: SendResult, now: Date, retry: RetryPolicy) -> SQL {
        switch result {
        case .accepted(let providerID):
            """
            UPDATE outbox SET status = \(OutboxState.sent), provider_message_id = \(providerID), segments = \(SMSMeasure.of(message.body).segments),
                   sent_at = \(now), last_error = NULL\(endLease), updated_at = \(now)
            WHERE id = \(message.id) AND status = \(OutboxState.sending)
            """
        case .temporary(let error) where message.attempt < retry.maxAttempts:
            """
            UPDATE outbox SET status = \(OutboxState.pending), next_attempt_at = \(now.addingTimeInterval(retry.delay(afterAttempt: message.attempt))),
                   last_error = \(error)\(endLease), updated_at = \(now) WHERE id = \(message.id)
            """
        case .temporary(let error), .permanent(let error):
            "UPDATE outbox SET status = \(OutboxState.failed), last_error = \(error)\(endLease), updated_at = \(now) WHERE id = \(message.id)"
        }
    }

    /// A report counts only for a message already handed to the provider (`sending` or `sent`), and
    /// never undoes a final state: a forged or replayed report cannot mark a queued message
    /// delivered (it would never be sent) nor turn a delivered one into failed. A late or repeated
    /// report for a message we did send is known, just not applied.
    static func apply(_ report: DeliveryReport, now: Date) -> SQLFlow<Bool> {
        let which: SQL = switch report.message {
        case .outboxID(let id): "id = \(id)"
        case .providerID(let id): "provider_message_id = \(id)"
        }
        let handed: [OutboxState] = [.sending, .sent]
        let change: SQL = switch report.state {
        case .delivered: "status = \(OutboxState.delivered), delivered_at = \(now)"
        case .sent: "status = \(OutboxState.sent)"
        case .failed: "status = \(OutboxState.failed), last_error = \(report.reason ?? "not delivered")"
        }
        return .run("UPDATE outbox SET \(change), updated_at = \(now) WHERE \(which) AND status IN \(list: handed) RETURNING id") { changed in
            guard changed.isEmpty else { return .done(true) }
            return .run("SELECT id FROM outbox WHERE \(which) AND status IN \(list: handed + [.delivered, .failed]) LIMIT 1") { .done(!$0.isEmpty) }
        }
    }

    static func apply(_ reports: ArraySlice<DeliveryReport>, now: Date, known: [Bool]) -> SQLFlow<[Bool]> {
        guard let first = reports.first else { return .done(known) }
        return apply(first, now: now).then { apply(reports.dropFirst(), now: now, known: known + [$0]) }
    }
}

extension OutboxStore where Self: SQLBacked {
    public func record(_ results: [(OutboxMessage, SendResult)], now: Date, retry: RetryPolicy) async throws {
        try await statements.write(results.map { OutboxStatements.record($0.0, $0.1, now: now, retry: retry) })
    }

    public func nextDue() async throws -> Date? {
        try await statements.read("SELECT MIN(next_attempt_at) AS due FROM outbox WHERE status IN \(list: [OutboxState.pending, .held])") {
            try $0.date("due")
        }.first ?? nil
    }

    public func apply(_ reports: [DeliveryReport], now: Date) async throws -> [Bool] {
        try await statements.run(OutboxStatements.apply(reports[...], now: now, known: []))
    }

    /// Messages by state, for /metrics and tests.
    public func counts() async throws -> [OutboxState: Int] {
        try await statements.counts(of: "outbox", as: OutboxState.self)
    }
}
