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
        public var batchSize = 128
        public var concurrency = 16
        public var retry = RetryPolicy()
        /// How often an idle sender looks for new messages.
        public var idlePoll: Duration = .milliseconds(100)
        /// SMS to one number per municipal day (`CIVICGATE_MAX_SMS_PER_NUMBER`); nil: no cap.
        public var perNumberDailyCap: Int? = 20
        /// SMS to one crew member's work number per municipal day (`CIVICGATE_MAX_SMS_PER_CREW_NUMBER`).
        public var perCrewNumberDailyCap = 200
        public var calendar = MunicipalCalendar()
        /// Finds the STOP of a number erased or purged since it sent it.
        public var pseudonyms: Pseudonyms?
        /// How often a batch still being sent renews its claim (a third of the store's lease, so a
        /// live sender's messages are never taken over, and a dead one's go out a lease later).
        public var claimRenewal: TimeInterval = 15
        /// Area alerts wait out the night (replies never do).
        public var quietHours = QuietHours()
        public init() {}

        func cap(at now: Date) -> DailySMSCap? {
            perNumberDailyCap.map {
                DailySMSCap(limit: $0, crewLimit: perCrewNumberDailyCap, since: calendar.startOfDay(now), nextDay: calendar.startOfNextDay(now))
            }
        }
    }

    let store: any OutboxStore
    let provider: any SMSProvider
    let clock: any WallClock
    let settings: Settings
    let logger: Logger
    let health: OperationalHealth?

    public init(store: any OutboxStore, provider: any SMSProvider, clock: any WallClock, settings: Settings = .init(), logger: Logger,
                health: OperationalHealth? = nil) {
        self.health = health
        self.store = store
        self.provider = provider
        self.clock = clock
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        let released = try await store.releaseClaims()
        if released > 0 { logger.warning("resending messages left in flight by a previous run", metadata: ["count": "\(released)"]) }
        let pace = Pace(perSecond: settings.ratePerSecond)
        let perWorker = max(1, settings.batchSize / settings.concurrency)
        await cancelWhenGracefulShutdown {
            // `concurrency` workers, each claiming a few messages at a time, so requests stay in
            // flight while results are recorded.
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<settings.concurrency {
                    group.addTask {
                        while !Task.isCancelled {
                            do {
                                if try await sendBatch(limit: perWorker, pace: pace) == 0 { try? await Task.sleep(for: settings.idlePoll) }
                            } catch where Task.isCancelled {
                                return  // shutting down: a claimed message is claimed again later
                            } catch {
                                logger.error("outbox sender failed", metadata: ["error": "\(error)"])
                                try? await Task.sleep(for: .seconds(1))
                            }
                        }
                    }
                }
            }
        }
    }

    /// Claims up to `limit` due messages, sends them one after another at the shared pace and
    /// records the results; returns how many were claimed.
    @discardableResult
    public func sendBatch(limit: Int? = nil, pace: Pace? = nil) async throws -> Int {
        let now = clock.now()
        let batch = try await store.claimDue(limit: limit ?? settings.batchSize, now: now, cap: settings.cap(at: now),
                                             quietUntil: settings.quietHours.quietUntil(now, calendar: settings.calendar), pseudonyms: settings.pseudonyms)
        guard !batch.isEmpty else { return 0 }
        var results: [(OutboxMessage, SendResult)] = []
        var renewed = now
        for (i, message) in batch.enumerated() {
            await pace?.wait()
            if clock.now().timeIntervalSince(renewed) >= settings.claimRenewal {
                renewed = clock.now()
                // A renewal that fails costs at most a second send by another instance; stopping here
                // would leave the messages already sent unrecorded, which costs more.
                do { try await store.renewClaims(batch[i...].map(\.id), now: renewed) } catch {
                    logger.warning("outbox claim not renewed", metadata: ["error": "\(error)"])
                }
            }
            results.append((message, await provider.send(message)))
        }
        try await store.record(results, now: clock.now(), retry: settings.retry)
        for (m, r) in results {
            health?.providerAnswered(r, at: clock.now())
            switch r {
            case .accepted: break
            case .temporary(let e): logger.notice("SMS not accepted, will retry", metadata: ["outbox": "\(m.id)", "attempt": "\(m.attempt)", "error": "\(e)"])
            case .permanent(let e): logger.error("SMS refused, marked failed", metadata: ["outbox": "\(m.id)", "to": "\(m.to.masked)", "error": "\(e)"])
            }
        }
        return batch.count
    }
}

/// Spaces messages out to at most `perSecond`, across all workers.
public actor Pace {
    let interval: Duration
    var next = ContinuousClock.now

    public init(perSecond: Double) { interval = .seconds(1 / perSecond) }

    public func wait() async {
        let now = ContinuousClock.now
        let slot = max(next, now)
        next = slot + interval
        if slot > now { try? await Task.sleep(until: slot, clock: .continuous) }
    }
}
