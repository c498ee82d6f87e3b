import Domain
import Foundation

/// An MOE's subscription: where its events go and which.
public struct WebhookSubscription: Sendable, Equatable {
    public var id: Int64
    public var moe: String
    public var url: String
    public var events: [WebhookEventType]
    public var createdAt: Date
    /// Since when its deliveries fail (nil: the last one went through).
    public var failingSince: Date?
    /// Stopped: by an operator, or after failing for a day (`disabledReason` says).
    public var disabledAt: Date?
    public var disabledReason: String?
    /// Its messages waiting, delivered and given up on.
    public var pending = 0
    public var delivered = 0
    public var failed = 0

    public init(id: Int64, moe: String, url: String, events: [WebhookEventType], createdAt: Date, failingSince: Date? = nil,
                disabledAt: Date? = nil, disabledReason: String? = nil) {
        (self.id, self.moe, self.url, self.events, self.createdAt) = (id, moe, url, events, createdAt)
        (self.failingSince, self.disabledAt, self.disabledReason) = (failingSince, disabledAt, disabledReason)
    }
}

/// A message claimed for sending, with what signing and sending it needs.
public struct WebhookMessage: Sendable, Equatable {
    public var id: Int64
    public var subscriptionID: Int64
    /// `webhook-id`: the same on every attempt.
    public var messageID: String
    public var type: WebhookEventType
    public var data: String
    public var occurredAt: Date
    /// 1 on the first attempt.
    public var attempt: Int
    public var url: String
    public var secret: String

    public init(id: Int64, subscriptionID: Int64, messageID: String, type: WebhookEventType, data: String, occurredAt: Date, attempt: Int,
                url: String, secret: String) {
        (self.id, self.subscriptionID, self.messageID, self.type, self.data) = (id, subscriptionID, messageID, type, data)
        (self.occurredAt, self.attempt, self.url, self.secret) = (occurredAt, attempt, url, secret)
    }
}

/// What one attempt got: a 2xx, another answer, or none (refused, timed out, address not allowed).
public enum WebhookOutcome: Sendable, Equatable {
    case delivered(status: Int)
    case failed(status: Int?, error: String)
}

public enum WebhookMessageState: String, Sendable, Codable, CaseIterable {
    case pending, sending, delivered, failed
}

/// A message as the admin page lists it.
public struct WebhookDeliveryRecord: Sendable, Equatable {
    public var id: Int64
    public var messageID: String
    public var type: WebhookEventType
    public var subject: String
    public var state: WebhookMessageState
    public var attempts: Int
    public var lastStatus: Int?
    public var lastError: String?
    public var createdAt: Date
    public var lastAttemptAt: Date?
    public var deliveredAt: Date?

    public init(id: Int64, messageID: String, type: WebhookEventType, subject: String, state: WebhookMessageState, attempts: Int, lastStatus: Int?,
                lastError: String?, createdAt: Date, lastAttemptAt: Date?, deliveredAt: Date?) {
        (self.id, self.messageID, self.type, self.subject, self.state, self.attempts) = (id, messageID, type, subject, state, attempts)
        (self.lastStatus, self.lastError, self.createdAt, self.lastAttemptAt, self.deliveredAt) = (lastStatus, lastError, createdAt, lastAttemptAt, deliveredAt)
    }
}

extension WebhookStore {
    /// One attempt's outcome (see `recordWebhooks`).
    public func recordWebhook(_ message: WebhookMessage, _ outcome: WebhookOutcome, now: Date, retry: WebhookRetry) async throws -> WebhookSubscription? {
        try await recordWebhooks([(message, outcome)], now: now, retry: retry).first
    }
}

/// When a message that failed is tried again: soon at first (the first retry within a minute),
/// then every five minutes, for a day; a subscription failing for a day is disabled.
public struct WebhookRetry: Sendable {
    public var delays: [TimeInterval] = [10, 30, 60, 120, 300]
    public var giveUpAfter: TimeInterval = 24 * 3600
    public var lease: TimeInterval = 60
    public init() {}

    /// After `failures` failures in a row (1 after the first).
    public func delay(afterFailures failures: Int) -> TimeInterval { delays[max(0, min(failures, delays.count) - 1)] }
}

/// Subscriptions, and the messages queued for them in the transactions of the changes they tell.
public protocol WebhookStore: Sendable {
    func addWebhook(moe: String, url: String, events: [WebhookEventType], secret: WebhookSecret, at: Date) async throws -> Int64
    /// With their message counts; every MOE's when `moe` is nil.
    func webhooks(moe: String?) async throws -> [WebhookSubscription]
    /// Removes it and its messages; false when there is none (within `moe`).
    func removeWebhook(_ id: Int64, moe: String?) async throws -> Bool
    /// Enabled again (after an operator mended the receiver); false when there is none.
    func enableWebhook(_ id: Int64, moe: String?, at: Date) async throws -> Bool
    /// Up to `limit` messages due, each the oldest unsent of its subject for its subscription,
    /// leased until `now + lease` (another instance takes them over only after that).
    func claimWebhookMessages(limit: Int, now: Date, retry: WebhookRetry) async throws -> [WebhookMessage]
    /// The attempts' outcomes, in one transaction: delivered; retried later; given up after a day.
    /// A subscription that has failed for a day is disabled (returned, for the alert).
    func recordWebhooks(_ outcomes: [(WebhookMessage, WebhookOutcome)], now: Date, retry: WebhookRetry) async throws -> [WebhookSubscription]
    /// A subscription's newest messages, newest first.
    func webhookDeliveries(subscription: Int64, moe: String?, limit: Int) async throws -> [WebhookDeliveryRecord]
    /// Sent again as soon as possible, with the same `webhook-id`; false when there is none.
    func resendWebhook(message: Int64, moe: String?, now: Date) async throws -> Bool
    /// Messages delivered or given up on before `cutoff` removed (they hold copies of tickets).
    func dropDeliveredWebhooks(before cutoff: Date) async throws -> Int
}
