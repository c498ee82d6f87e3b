import Domain
import Foundation
import Logging
import Synchronization

/// Removes personal data past its retention (`RetentionPolicy`), class by class, twenty rows per
/// transaction so that hops never wait long for the writer; writes one audit row per run. A
/// batch's longest hold of SQLite's write lock grows with the pages it writes (its own work and
/// its `COMMIT` both wait on the disk and the CPU now and then): beside a dialling resident,
/// `scripts/bench-popia.sh 300000` saw 14-22 ms with fifty rows and 7-12 ms with twenty
/// (a hundred once took 17 ms beside a busy server), for twice the purge's time.
public struct Purge: Sendable {
    let store: any RetentionStore
    let audit: any AuditLog
    let policy: RetentionPolicy
    let pseudonyms: Pseudonyms
    let clock: any WallClock
    let batch: Int
    /// Between batches: another process on the same SQLite file (serve, while the command runs)
    /// gets the writer, instead of waiting out its busy timeout.
    let pause: Duration

    /// The longest any one batch took (its transaction, and any wait for the writer). Read after `run`.
    public let longestBatch = LongestBatch()
    /// The longest any one batch held SQLite's write lock (`PurgeBatch.held`): how long a hop's
    /// write could have waited for the purge. Zero where there is no such lock. Read after `run`.
    public let longestHold = LongestBatch()

    public init(store: any RetentionStore, audit: any AuditLog, policy: RetentionPolicy, pseudonyms: Pseudonyms, clock: any WallClock,
                batch: Int = 20, pause: Duration = .milliseconds(2)) {
        (self.store, self.audit, self.policy, self.pseudonyms, self.clock, self.batch) = (store, audit, policy, pseudonyms, clock, batch)
        self.pause = pause
    }

    /// What was removed (or, with `dryRun`, what would be), per class.
    public func run(dryRun: Bool = false, actor: String = "purge") async throws -> [(RetentionPolicy.DataClass, Int)] {
        let now = clock.now()
        var done: [(RetentionPolicy.DataClass, Int)] = []
        for dataClass in RetentionPolicy.DataClass.allCases {
            let before = policy.cutoff(dataClass, now: now)
            guard !dryRun else {
                done.append((dataClass, try await store.purgeable(dataClass, before: before)))
                continue
            }
            var total = 0
            var after: Int64 = 0
            while true {
                try Task.checkCancellation()
                let started = ContinuousClock.now
                let done = try await store.purge(dataClass, before: before, limit: batch, after: after, pseudonyms: pseudonyms)
                longestBatch.saw(ContinuousClock.now - started)
                if let held = done.held { longestHold.saw(held) }
                total += done.count
                if done.count < batch { break }
                after = done.last ?? after
                try await Task.sleep(for: pause)
            }
            done.append((dataClass, total))
        }
        if !dryRun {
            try await audit.audit(actor: actor, action: .purge, reference: nil, detail: Self.summary(done), address: nil, at: clock.now())
        }
        return done
    }

    /// The scheduled purge of one instance among several: it runs only while this instance holds
    /// the lease (taken for `period`), so two instances never purge at once. Returns the rows purged.
    public func runIfLeased(holder: String, period: TimeInterval) async throws -> Int {
        let now = clock.now()
        guard try await store.leasePurge(holder: holder, until: now.addingTimeInterval(period), now: now) else { return 0 }
        return try await run(actor: "purge").reduce(0) { $0 + $1.1 }
    }

    public static func summary(_ counts: [(RetentionPolicy.DataClass, Int)]) -> String {
        counts.map { "\($0.0.rawValue) \($0.1)" }.joined(separator: ", ")
    }
}

/// The longest of the purge's batches (or of their holds) so far.
public final class LongestBatch: Sendable {
    private let longest = Mutex<Duration>(.zero)

    public var duration: Duration { longest.withLock { $0 } }

    func saw(_ took: Duration) { longest.withLock { $0 = max($0, took) } }
}
