import Domain
import Foundation
import Gateway
import Logging
import ServiceLifecycle

/// Sends the outbox: claims due messages, sends them through the provider with a bounded number
/// in flight and at most `ratePerSecond`, and records each result (sent, retry later, failed).
///
/// Double sends: a message is marked `sending` in a committed transaction before its request and
/// `sent` right after the provider's answer. Only a crash inside that window (one HTTP round trip)
/// leaves it `sending`; on restart such messages are sent again, because a message that may have
/// been sent is better than one silently lost. Neither Kannel nor Africa's Talking offers an
/// idempotency key that would close the window.
public struct OutboxSender: Service {
    public struct Settings: Sendable {
        public var ratePerSecond: Double = 50
        public var batchSize = 64
        public var concurrency = 8
        public var retry = RetryPolicy()
        /// How often an idle sender looks for new messages.
        public var idlePoll: Duration = .milliseconds(100)
        public init() {}
    }

    let store: any OutboxStore
    let provider: any SMSProvider
    let clock: any WallClock
    let settings: Settings
    let logger: Logger

    public init(store: any OutboxStore, provider: any SMSProvider, clock: any WallClock, settings: Settings = .init(), logger: Logger) {
        self.store = store
        self.provider = provider
        self.clock = clock
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        let released = try await store.releaseClaims()
        if released > 0 { logger.warning("resending messages left in flight by a previous run", metadata: ["count": "\(released)"]) }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    if try await sendBatch() == 0 { try? await Task.sleep(for: settings.idlePoll) }
                } catch {
                    logger.error("outbox sender failed", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    /// Sends one batch of due messages; returns how many were claimed.
    @discardableResult
    public func sendBatch() async throws -> Int {
        let started = ContinuousClock.now
        let batch = try await store.claimDue(limit: settings.batchSize, now: clock.now())
        guard !batch.isEmpty else { return 0 }
        let provider = self.provider
        let results = await withTaskGroup(of: (OutboxMessage, SendResult).self) { group in
            var results: [(OutboxMessage, SendResult)] = []
            var next = batch.makeIterator()
            for _ in 0..<min(settings.concurrency, batch.count) {
                if let m = next.next() { group.addTask { (m, await provider.send(m)) } }
            }
            for await result in group {
                results.append(result)
                if let m = next.next() { group.addTask { (m, await provider.send(m)) } }
            }
            return results
        }
        try await store.record(results, now: clock.now(), retry: settings.retry)
        for (m, r) in results {
            switch r {
            case .accepted: break
            case .temporary(let e): logger.notice("SMS not accepted, will retry", metadata: ["outbox": "\(m.id)", "attempt": "\(m.attempt)", "error": "\(e)"])
            case .permanent(let e): logger.error("SMS refused, marked failed", metadata: ["outbox": "\(m.id)", "to": "\(m.to.masked)", "error": "\(e)"])
            }
        }
        // Throttle: a batch of n messages takes at least n / rate seconds.
        let minimum = Duration.seconds(Double(batch.count) / settings.ratePerSecond)
        let elapsed = ContinuousClock.now - started
        if elapsed < minimum { try? await Task.sleep(for: minimum - elapsed) }
        return batch.count
    }
}
