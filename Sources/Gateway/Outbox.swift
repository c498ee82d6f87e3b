import Domain
import Foundation

/// A queued SMS claimed for sending.
public struct OutboxMessage: Sendable, Equatable {
    public var id: Int64
    public var to: MSISDN
    public var body: String
    /// Including this one.
    public var attempt: Int

    public init(id: Int64, to: MSISDN, body: String, attempt: Int) {
        self.id = id
        self.to = to
        self.body = body
        self.attempt = attempt
    }
}

/// What a provider said about one message.
public enum SendResult: Sendable, Equatable {
    case accepted(providerID: String?)
    /// Worth trying again later (503, timeouts, AT 500-502).
    case temporary(String)
    /// Never worth retrying (4xx, AT 403/405/406...).
    case permanent(String)
}

/// When to try again: exponential back-off from `firstDelay`, capped; failed after `maxAttempts`.
public struct RetryPolicy: Sendable, Equatable {
    public var firstDelay: TimeInterval
    public var cap: TimeInterval
    public var maxAttempts: Int

    public init(firstDelay: TimeInterval = 2, cap: TimeInterval = 300, maxAttempts: Int = 6) {
        self.firstDelay = firstDelay
        self.cap = cap
        self.maxAttempts = maxAttempts
    }

    /// The wait after the `attempt`-th failed try (1-based): 2 s, 4 s, 8 s ... up to `cap`.
    public func delay(afterAttempt attempt: Int) -> TimeInterval {
        min(cap, firstDelay * pow(2, Double(max(0, attempt - 1))))
    }
}

/// A delivery report from a provider.
public struct DeliveryReport: Sendable, Equatable {
    public enum Message: Sendable, Hashable {
        case outboxID(Int64)
        case providerID(String)
    }

    public enum State: String, Sendable, Equatable {
        /// On the phone.
        case delivered
        /// Accepted or queued by the network, not yet on the phone.
        case sent
        /// Will not arrive.
        case failed
    }

    public var message: Message
    public var state: State
    public var reason: String?

    public init(message: Message, state: State, reason: String? = nil) {
        self.message = message
        self.state = state
        self.reason = reason
    }
}

/// At most `limit` SMS to one number per municipal day: no input can make CivicGate an SMS
/// cannon. What is over the cap waits (`held`) until `nextDay`.
public struct DailySMSCap: Sendable, Equatable {
    public var limit: Int
    /// A crew member's work number has a cap of its own instead (job cards, replies from the site).
    public var crewLimit: Int
    public var since: Date
    public var nextDay: Date
    public init(limit: Int, crewLimit: Int = 200, since: Date, nextDay: Date) {
        self.limit = limit
        self.crewLimit = crewLimit
        self.since = since
        self.nextDay = nextDay
    }
}

/// Where an outbox message is: waiting (`held` past the daily cap), claimed by a sender, handed to
/// the provider, delivered, failed (visibly, with the reason), or suppressed after STOP.
public enum OutboxState: String, Sendable, CaseIterable {
    case pending, held, sending, sent, delivered, failed, suppressed
}

/// The outbox as the sender sees it.
public protocol OutboxStore: Sendable {
    /// Marks up to `limit` due messages `sending` and returns them. Messages to numbers that sent
    /// STOP are marked `suppressed` instead: visible, never silently dropped.
    /// Past `cap` (a crew's work number: past `cap.crewLimit`), a message is `held` until the next municipal day instead. A number with no
    /// settings in clear is looked up under its pseudonym too: one erased or purged after STOP stays stopped.
    /// While `quietUntil` is set (the quiet hours), a message marked quiet (an area alert) is not
    /// claimed: it and every other quiet one due wait until then.
    func claimDue(limit: Int, now: Date, cap: DailySMSCap?, quietUntil: Date?, pseudonyms: Pseudonyms?) async throws -> [OutboxMessage]
    /// Records what the provider said: `sent`, back to `pending` with a later attempt, or `failed`.
    func record(_ results: [(OutboxMessage, SendResult)], now: Date, retry: RetryPolicy) async throws
    /// After a crash: messages left `sending` go back to `pending` (at-least-once).
    func releaseClaims() async throws -> Int
    /// Extends the claim on messages still being sent (several instances: a claim is a lease that
    /// another instance takes over once it runs out; a live sender keeps its own from running out).
    func renewClaims(_ ids: [Int64], now: Date) async throws
    /// When the next pending message falls due, if any.
    func nextDue() async throws -> Date?
    /// Applies delivery reports in one transaction; false for each that matches no message.
    func apply(_ reports: [DeliveryReport], now: Date) async throws -> [Bool]
}

extension OutboxStore {
    /// One instance: claims are released at start, there is no lease to renew.
    public func renewClaims(_ ids: [Int64], now: Date) async throws {}

    /// With no quiet hours.
    public func claimDue(limit: Int, now: Date, cap: DailySMSCap?, pseudonyms: Pseudonyms?) async throws -> [OutboxMessage] {
        try await claimDue(limit: limit, now: now, cap: cap, quietUntil: nil, pseudonyms: pseudonyms)
    }

    /// With no daily cap.
    public func claimDue(limit: Int, now: Date) async throws -> [OutboxMessage] {
        try await claimDue(limit: limit, now: now, cap: nil, pseudonyms: nil)
    }

    public func claimDue(limit: Int, now: Date, cap: DailySMSCap?) async throws -> [OutboxMessage] {
        try await claimDue(limit: limit, now: now, cap: cap, pseudonyms: nil)
    }

    public func apply(_ report: DeliveryReport, now: Date) async throws -> Bool {
        try await apply([report], now: now).first ?? false
    }
}

/// Delivery reports arrive two or three per message sent. Each request waits until its report is
/// stored, but reports that arrive while a transaction is being written are stored together in the
/// next one (group commit), so the single SQLite writer is not the limit under load.
public actor DeliveryReports {
    let store: any OutboxStore
    let clock: any WallClock
    private var waiting: [(DeliveryReport, CheckedContinuation<Bool, any Error>)] = []
    private var writing = false

    public init(store: any OutboxStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// Stores `report`; false when it matches no message.
    public func apply(_ report: DeliveryReport) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            waiting.append((report, continuation))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let batch = waiting
            waiting = []
            do {
                let known = try await store.apply(batch.map(\.0), now: clock.now())
                for (i, item) in batch.enumerated() { item.1.resume(returning: known[i]) }
            } catch {
                for item in batch { item.1.resume(throwing: error) }
            }
        }
        writing = false
    }
}
