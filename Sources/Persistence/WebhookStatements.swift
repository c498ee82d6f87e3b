import Domain
import Foundation
import Gateway

extension WebhookMessageState: SQLBindable {}
extension WebhookEventType: SQLBindable {}

/// Webhook subscriptions and their messages, for both stores: events queued in the transaction of
/// the change that caused them, claimed with a lease (on PostgreSQL `SKIP LOCKED`, so instances
/// never send one message side by side), the oldest unsent of a ticket first.
public enum WebhookStatements {
    /// `drafts` queued for every enabled subscription of their MOE that wants them, each with the
    /// ticket as it now stands in this transaction (or the incident as written). Nothing is read
    /// past the subscriptions when no MOE concerned has one.
    public static func capture(_ drafts: [WebhookDraft], at: Date) -> SQLFlow<Void> {
        guard !drafts.isEmpty else { return .done(()) }
        let moes = Array(Set(drafts.map(\.moe))).sorted()
        return .run("SELECT id, moe, events FROM webhook_subscriptions WHERE moe IN \(list: moes) AND disabled_at IS NULL ORDER BY id") { rows in
            let subscriptions = try rows.map { (id: try $0.integer(required: "id"), moe: try $0.text(required: "moe"),
                                                events: Set(try $0.text(required: "events").split(separator: ",").map(String.init))) }
            let wanted = drafts.map { d in (d, subscriptions.filter { $0.moe == d.moe && $0.events.contains(d.type.rawValue) }.map(\.id)) }
                .filter { !$0.1.isEmpty }
            guard !wanted.isEmpty else { return .done(()) }
            var ids: [Int64] = []
            for (d, _) in wanted { if case .ticket(let id) = d.subject, !ids.contains(id) { ids.append(id) } }
            let reads: [SQL] = ids.isEmpty ? [] : ["SELECT \(raw: QueueStatements.columns) FROM tickets t WHERE t.id IN \(list: ids)"]
            return .run(reads) { rows in
                var tickets: [Int64: QueueTicket] = [:]
                for row in rows.first ?? [] { tickets[try row.integer(required: "id")] = try QueueStatements.ticket(row) }
                var inserts: [SQL] = []
                for (draft, subscribers) in wanted {
                    let data: WebhookData
                    switch draft.subject {
                    case .ticket(let id):
                        guard let ticket = tickets[id] else { continue }
                        data = WebhookData(ticket: ticket, rating: draft.rating)
                    case .incident(let incident): data = WebhookData(incident: APIIncident(incident, at: at))
                    }
                    let stored = try data.stored()
                    inserts += subscribers.map { subscription in
                        """
                        INSERT INTO webhook_messages (subscription_id, message_id, type, subject, data, occurred_at, status, attempts, next_attempt_at, created_at)
                        VALUES (\(subscription), \(WebhookMessageID.random()), \(draft.type), \(draft.orderingKey), \(stored), \(at), \(WebhookMessageState.pending), 0,
                                \(at), \(at))
                        """
                    }
                }
                return .write(inserts, ())
            }
        }
    }

    /// A new ticket, told to its MOE as `ticket.created` (each store calls it where it files one).
    public static func created(ticketID: Int64, moe: String, at: Date) -> SQLFlow<Void> {
        capture([WebhookDraft(type: .ticketCreated, moe: moe, subject: .ticket(id: ticketID))], at: at)
    }

    static let subscriptionColumns = """
        s.id, s.moe, s.url, s.events, s.created_at, s.failing_since, s.disabled_at, s.disabled_reason,
        (SELECT COUNT(*) FROM webhook_messages m WHERE m.subscription_id = s.id AND m.status IN ('pending', 'sending')) AS pending,
        (SELECT COUNT(*) FROM webhook_messages m WHERE m.subscription_id = s.id AND m.status = 'delivered') AS delivered,
        (SELECT COUNT(*) FROM webhook_messages m WHERE m.subscription_id = s.id AND m.status = 'failed') AS failed
        """

    static func subscription(_ row: any SQLRow) throws -> WebhookSubscription {
        var s = WebhookSubscription(id: try row.integer(required: "id"), moe: try row.text(required: "moe"), url: try row.text(required: "url"),
                                    events: try row.text(required: "events").split(separator: ",").compactMap { WebhookEventType(rawValue: String($0)) },
                                    createdAt: try row.date(required: "created_at"), failingSince: try row.date("failing_since"),
                                    disabledAt: try row.date("disabled_at"), disabledReason: try row.text("disabled_reason"))
        (s.pending, s.delivered, s.failed) = (try row.int("pending"), try row.int("delivered"), try row.int("failed"))
        return s
    }

    /// Enabled subscriptions not waiting out a failure that have something unsent: few rows, read
    /// from the subscriptions (a receiver that is down with a long backlog is not walked).
    static func ready(now: Date) -> SQL {
        """
        SELECT s.id FROM webhook_subscriptions s WHERE s.disabled_at IS NULL AND (s.retry_at IS NULL OR s.retry_at <= \(now))
          AND EXISTS (SELECT 1 FROM webhook_messages m WHERE m.subscription_id = s.id AND m.status IN ('pending', 'sending'))
        ORDER BY s.id
        """
    }

    /// Messages due: pending and past their time, or sending with a lapsed lease (an instance died),
    /// of enabled subscriptions not waiting out a failure, each the oldest unsent of its subject.
    /// Each subscription's unsent are walked in order by their own index (SQLite is told which:
    /// with statistics from a table of mostly delivered messages it would scan the table).
    static func claim(limit: Int, now: Date, retry: WebhookRetry) -> SQLFlow<[WebhookMessage]> {
        .run(ready(now: now)) { rows in
            let subscriptions = try rows.map { try $0.integer(required: "id") }
            guard !subscriptions.isEmpty else { return .done([]) }
            let each = max(1, min(limit, 1000) / subscriptions.count)
            return .run(subscriptions.map { subscription in
                """
                UPDATE webhook_messages SET status = \(WebhookMessageState.sending), lease_until = \(now.addingTimeInterval(retry.lease)),
                       attempts = attempts + 1, last_attempt_at = \(now)
                WHERE id IN (
                    SELECT m.id FROM webhook_messages m\(sqlite: " INDEXED BY webhook_messages_unsent", postgres: "")
                    WHERE m.subscription_id = \(subscription) AND m.status IN ('pending', 'sending')
                      AND ((m.status = 'pending' AND m.next_attempt_at <= \(now)) OR (m.status = 'sending' AND m.lease_until < \(now)))
                      AND NOT EXISTS (SELECT 1 FROM webhook_messages e WHERE e.subscription_id = m.subscription_id AND e.subject = m.subject
                                      AND e.id < m.id AND e.status IN ('pending', 'sending'))
                    ORDER BY m.id LIMIT \(each)\(sqlite: "", postgres: " FOR UPDATE OF m SKIP LOCKED"))
                RETURNING id
                """
            }) { claimed in
                claimedMessages(try claimed.flatMap { try $0.map { try $0.integer(required: "id") } })
            }
        }
    }

    /// The claimed messages with what sending them needs.
    static func claimedMessages(_ ids: [Int64]) -> SQLFlow<[WebhookMessage]> {
        guard !ids.isEmpty else { return .done([]) }
        return .run("""
            SELECT m.id, m.subscription_id, m.message_id, m.type, m.data, m.occurred_at, m.attempts, s.url, s.secret
            FROM webhook_messages m JOIN webhook_subscriptions s ON s.id = m.subscription_id WHERE m.id IN \(list: ids) ORDER BY m.id
            """) { rows in
            .done(try rows.map { row in
                WebhookMessage(id: try row.integer(required: "id"), subscriptionID: try row.integer(required: "subscription_id"),
                               messageID: try row.text(required: "message_id"), type: try row.value("type", as: WebhookEventType.self),
                               data: try row.text(required: "data"), occurredAt: try row.date(required: "occurred_at"), attempt: try row.int("attempts"),
                               url: try row.text(required: "url"), secret: try row.text(required: "secret"))
            })
        }
    }

    /// Whether a failure says the receiver as a whole is not taking messages (no answer, 5xx, 408,
    /// 429), so its other messages wait too; another 4xx is about this message only.
    static func receiverDown(_ status: Int?) -> Bool {
        guard let status else { return true }
        return status >= 500 || status == 408 || status == 429 || (300..<400).contains(status)
    }

    static func record(_ m: WebhookMessage, _ outcome: WebhookOutcome, now: Date, retry: WebhookRetry) -> SQLFlow<WebhookSubscription?> {
        // Only while this attempt still holds the message: a lease taken over meanwhile is the new holder's.
        let held: SQL = "id = \(m.id) AND status = \(WebhookMessageState.sending) AND attempts = \(m.attempt)"
        switch outcome {
        case .delivered(let status):
            let delivered: SQL = """
                UPDATE webhook_messages SET status = \(WebhookMessageState.delivered), delivered_at = \(now), last_status = \(status), last_error = NULL,
                       lease_until = NULL WHERE \(held)
                """
            return .run("SELECT failures, failing_since FROM webhook_subscriptions WHERE id = \(m.subscriptionID)") { rows in
                // Only a receiver coming back has anything to reset (a delivery among many walks nothing).
                guard let row = rows.first, try row.int("failures") > 0 || row.date("failing_since") != nil else { return .write([delivered], nil) }
                return .write([
                    delivered,
                    "UPDATE webhook_subscriptions SET failures = 0, failing_since = NULL, retry_at = NULL WHERE id = \(m.subscriptionID)",
                    // The receiver is back: what waited out its failures goes now.
                    """
                    UPDATE webhook_messages SET next_attempt_at = \(now)
                    WHERE subscription_id = \(m.subscriptionID) AND status = \(WebhookMessageState.pending) AND next_attempt_at > \(now)
                    """,
                ], nil)
            }
        case .failed(let status, let error):
            let detail = String(error.prefix(300))
            return .run([
                "SELECT created_at FROM webhook_messages WHERE \(held)",
                "SELECT failures, failing_since FROM webhook_subscriptions s WHERE s.id = \(m.subscriptionID)\(SQL.forUpdate(of: "s"))",
            ]) { rows in
                guard let message = rows[0].first, let current = rows[1].first else { return .done(nil) }
                let giveUp = now.timeIntervalSince(try message.date(required: "created_at")) >= retry.giveUpAfter
                var writes: [SQL] = [giveUp
                    ? "UPDATE webhook_messages SET status = \(WebhookMessageState.failed), last_status = \(status), last_error = \(detail), lease_until = NULL WHERE \(held)"
                    : """
                      UPDATE webhook_messages SET status = \(WebhookMessageState.pending), next_attempt_at = \(now.addingTimeInterval(retry.delay(afterFailures: m.attempt))),
                             last_status = \(status), last_error = \(detail), lease_until = NULL WHERE \(held)
                      """]
                guard receiverDown(status) else { return .write(writes, nil) }
                let failures = try current.int("failures") + 1
                let since = try current.date("failing_since") ?? now
                let disable = now.timeIntervalSince(since) >= retry.giveUpAfter
                writes.append("""
                    UPDATE webhook_subscriptions SET failures = \(failures), failing_since = \(since), retry_at = \(now.addingTimeInterval(retry.delay(afterFailures: failures)))
                    WHERE id = \(m.subscriptionID)
                    """)
                guard disable else { return .write(writes, nil) }
                writes.append("""
                    UPDATE webhook_subscriptions SET disabled_at = \(now), disabled_reason = \("failing since \(since): \(detail)") WHERE id = \(m.subscriptionID)
                    """)
                return .run(writes + ["SELECT \(raw: subscriptionColumns) FROM webhook_subscriptions s WHERE s.id = \(m.subscriptionID)"]) { rows in
                    .done(try rows.last?.first.map(WebhookStatements.subscription))
                }
            }
        }
    }

    static func scope(_ moe: String?) -> SQL { SQL.scoped("s.moe", to: moe) }
}

extension WebhookStore where Self: SQLBacked {
    public func addWebhook(moe: String, url: String, events: [WebhookEventType], secret: WebhookSecret, at: Date) async throws -> Int64 {
        try await statements.run(.run("""
            INSERT INTO webhook_subscriptions (moe, url, events, secret, created_at) VALUES (\(moe), \(url), \(events.map(\.rawValue).joined(separator: ",")),
                   \(secret.description), \(at)) RETURNING id
            """) { rows in .done(try rows[0].integer(required: "id")) })
    }

    public func webhooks(moe: String?) async throws -> [WebhookSubscription] {
        try await statements.read("SELECT \(raw: WebhookStatements.subscriptionColumns) FROM webhook_subscriptions s WHERE \(WebhookStatements.scope(moe)) ORDER BY s.moe, s.id",
                                  WebhookStatements.subscription)
    }

    public func removeWebhook(_ id: Int64, moe: String?) async throws -> Bool {
        try await statements.run(.run("SELECT s.id FROM webhook_subscriptions s WHERE s.id = \(id) AND \(WebhookStatements.scope(moe))\(SQL.forUpdate(of: "s"))") { rows in
            guard !rows.isEmpty else { return .done(false) }
            return .write(["DELETE FROM webhook_messages WHERE subscription_id = \(id)", "DELETE FROM webhook_subscriptions WHERE id = \(id)"], true)
        })
    }

    public func enableWebhook(_ id: Int64, moe: String?, at: Date) async throws -> Bool {
        try await statements.run(.run("""
            UPDATE webhook_subscriptions SET disabled_at = NULL, disabled_reason = NULL, failures = 0, failing_since = NULL, retry_at = NULL
            WHERE id = \(id) AND \(SQL.scoped("moe", to: moe)) RETURNING id
            """) { rows in .done(!rows.isEmpty) })
    }

    public func claimWebhookMessages(limit: Int, now: Date, retry: WebhookRetry) async throws -> [WebhookMessage] {
        // Looked for first outside a write transaction: an idle sender polls several times a second,
        // and on SQLite a claim would take a turn on the one writer that commits residents' reports.
        let unsent = try await statements.read(WebhookStatements.ready(now: now)) { _ in true }
        guard !unsent.isEmpty else { return [] }
        return try await statements.run(WebhookStatements.claim(limit: limit, now: now, retry: retry))
    }

    public func recordWebhooks(_ outcomes: [(WebhookMessage, WebhookOutcome)], now: Date, retry: WebhookRetry) async throws -> [WebhookSubscription] {
        guard !outcomes.isEmpty else { return [] }
        // One transaction for the batch: a turn on SQLite's one writer per batch, not per message.
        let flow = outcomes.reduce(SQLFlow<[WebhookSubscription]>.done([])) { flow, item in
            flow.then { disabled in
                WebhookStatements.record(item.0, item.1, now: now, retry: retry).then { found in .done(disabled + (found.map { [$0] } ?? [])) }
            }
        }
        return try await statements.run(flow)
    }

    public func webhookDeliveries(subscription: Int64, moe: String?, limit: Int) async throws -> [WebhookDeliveryRecord] {
        try await statements.read("""
            SELECT m.id, m.message_id, m.type, m.subject, m.status, m.attempts, m.last_status, m.last_error, m.created_at, m.last_attempt_at, m.delivered_at
            FROM webhook_messages m JOIN webhook_subscriptions s ON s.id = m.subscription_id
            WHERE m.subscription_id = \(subscription) AND \(WebhookStatements.scope(moe)) ORDER BY m.id DESC LIMIT \(max(1, min(limit, 500)))
            """) { row in
            WebhookDeliveryRecord(id: try row.integer(required: "id"), messageID: try row.text(required: "message_id"),
                                  type: try row.value("type", as: WebhookEventType.self), subject: try row.text(required: "subject"),
                                  state: try row.value("status", as: WebhookMessageState.self), attempts: try row.int("attempts"),
                                  lastStatus: try row.integer("last_status").map(Int.init), lastError: try row.text("last_error"),
                                  createdAt: try row.date(required: "created_at"), lastAttemptAt: try row.date("last_attempt_at"),
                                  deliveredAt: try row.date("delivered_at"))
        }
    }

    public func resendWebhook(message: Int64, moe: String?, now: Date) async throws -> Bool {
        try await statements.run(.run("""
            UPDATE webhook_messages SET status = \(WebhookMessageState.pending), next_attempt_at = \(now), lease_until = NULL
            WHERE id = \(message) AND status <> \(WebhookMessageState.sending)
              AND subscription_id IN (SELECT s.id FROM webhook_subscriptions s WHERE \(WebhookStatements.scope(moe))) RETURNING id
            """) { rows in .done(!rows.isEmpty) })
    }

    public func dropDeliveredWebhooks(before cutoff: Date) async throws -> Int {
        try await statements.run(.run("""
            DELETE FROM webhook_messages WHERE created_at < \(cutoff) AND status IN ('delivered', 'failed') RETURNING id
            """) { rows in .done(rows.count) })
    }
}
