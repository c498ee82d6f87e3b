import Domain
import Foundation
import Logging

/// Sends a POST to the checked addresses only (the connection pinned to them), without following redirects.
public protocol WebhookPoster: Sendable {
    func post(_ target: WebhookTargetPolicy.Target, addresses: [String], headers: [(name: String, value: String)], body: [UInt8]) async -> WebhookOutcome
}

/// Delivers queued webhook messages: each claimed (the oldest unsent of its ticket or incident per
/// subscription, so a ticket's events arrive in order), its URL and every address its host resolves
/// to checked again, signed, posted, and its outcome recorded (retried with backoff, given up after
/// a day; a subscription failing for a day is disabled and raised as an operational alert).
public struct WebhookDispatch: Sendable {
    let store: any WebhookStore
    let poster: any WebhookPoster
    let resolver: any HostResolver
    let policy: WebhookTargetPolicy
    let clock: any WallClock
    let timeZone: TimeZone
    let retry: WebhookRetry
    let health: OperationalHealth?
    let logger: Logger

    public init(store: any WebhookStore, poster: any WebhookPoster, resolver: any HostResolver, policy: WebhookTargetPolicy, clock: any WallClock,
                timeZone: TimeZone, retry: WebhookRetry = .init(), health: OperationalHealth? = nil, logger: Logger) {
        (self.store, self.poster, self.resolver, self.policy, self.clock) = (store, poster, resolver, policy, clock)
        (self.timeZone, self.retry, self.health, self.logger) = (timeZone, retry, health, logger)
    }

    /// Claims up to `limit` due messages, sends them side by side (each after `pace`, which spaces
    /// them out) and records their outcomes together; returns how many.
    @discardableResult
    public func deliverDue(limit: Int = 32, pace: (@Sendable () async -> Void)? = nil) async throws -> Int {
        let batch = try await store.claimWebhookMessages(limit: limit, now: clock.now(), retry: retry)
        guard !batch.isEmpty else { return 0 }
        let outcomes = await withTaskGroup(of: (WebhookMessage, WebhookOutcome).self) { group in
            for message in batch {
                group.addTask {
                    await pace?()
                    return (message, await attempt(message))
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for (message, outcome) in outcomes {
            if case .failed(let status, let error) = outcome {
                logger.notice("webhook not delivered, will retry", metadata: ["subscription": "\(message.subscriptionID)", "webhook_id": "\(message.messageID)",
                                                                              "attempt": "\(message.attempt)", "status": "\(status.map(String.init) ?? "-")", "error": "\(error)"])
            }
        }
        for disabled in try await store.recordWebhooks(outcomes, now: clock.now(), retry: retry) {
            logger.error("webhook subscription disabled after failing for a day", metadata: ["subscription": "\(disabled.id)", "moe": "\(disabled.moe)"])
            health?.webhookDisabled(disabled)
        }
        return batch.count
    }

    /// One attempt: the URL and its addresses checked now (a name may resolve elsewhere than when
    /// it was added), then the signed POST to the address checked.
    public func attempt(_ message: WebhookMessage) async -> WebhookOutcome {
        let target: WebhookTargetPolicy.Target
        switch policy.target(message.url) {
        case .success(let t): target = t
        case .failure(let refusal): return .failed(status: nil, error: refusal.description)
        }
        let addresses: [String]
        switch policy.check(target, resolve: resolver.addresses) {
        case .success(let a): addresses = a
        case .failure(let refusal): return .failed(status: nil, error: refusal.description)
        }
        guard let secret = WebhookSecret(message.secret) else { return .failed(status: nil, error: "the subscription's secret is unreadable") }
        let body: [UInt8]
        do {
            body = try WebhookBody(type: message.type, timestamp: message.occurredAt, data: try WebhookData.stored(message.data)).bytes(timeZone: timeZone)
        } catch {
            return .failed(status: nil, error: "the message could not be read: \(error)")
        }
        let headers = secret.headers(id: message.messageID, timestamp: Int(clock.now().timeIntervalSince1970), body: body)
            + [("content-type", "application/json"), ("user-agent", "CivicGate-Webhooks/1")]
        return await poster.post(target, addresses: addresses, headers: headers, body: body)
    }

    /// The subscriptions stopped after failing for a day, for the operational alert (every instance
    /// reads them, so the alert survives a restart).
    public func refreshAlerts() async throws {
        let disabled = try await store.webhooks(moe: nil).filter { $0.disabledAt != nil && $0.failingSince != nil }
        health?.webhooksDisabled(disabled)
    }
}
