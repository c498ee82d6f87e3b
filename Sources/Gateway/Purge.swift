import Domain
import Foundation
import Logging

/// Removes personal data past its retention (`RetentionPolicy`), class by class, a hundred rows
/// per transaction so that hops never wait long for the writer; writes one audit row per run.
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

    public init(store: any RetentionStore, audit: any AuditLog, policy: RetentionPolicy, pseudonyms: Pseudonyms, clock: any WallClock,
                batch: Int = 100, pause: Duration = .milliseconds(5)) {
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
                let done = try await store.purge(dataClass, before: before, limit: batch, after: after, pseudonyms: pseudonyms)
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
