import Domain
import Foundation

/// One transaction's worth of a purge.
public struct PurgeBatch: Sendable, Equatable {
    public var count: Int
    /// The last id changed, for classes whose rows stay (changed); nil for those deleted or moved.
    public var last: Int64?
    /// How long the batch held a lock that every writer waits for (SQLite's write lock: from
    /// `BEGIN IMMEDIATE` to `COMMIT`, not counting its own wait for the lock); nil where writers
    /// wait only for the rows they share (PostgreSQL).
    public var held: Duration?
    public init(count: Int, last: Int64?, held: Duration? = nil) { (self.count, self.last, self.held) = (count, last, held) }
}

/// Purging personal data past its retention, class by class, in short transactions.
public protocol RetentionStore: Sendable {
    /// How many rows of `dataClass` from before `before` still hold personal data.
    func purgeable(_ dataClass: RetentionPolicy.DataClass, before: Date) async throws -> Int
    /// Purges up to `limit` of them after row `after` (rows kept, changed, are never read twice) in
    /// one short transaction: how many, and the last row's id to go on after.
    func purge(_ dataClass: RetentionPolicy.DataClass, before: Date, limit: Int, after: Int64, pseudonyms: Pseudonyms) async throws -> PurgeBatch
    /// Takes the purge for `holder` until `until` if nobody else holds it now: one instance purges at a time.
    func leasePurge(holder: String, until: Date, now: Date) async throws -> Bool
}
