import Domain
import Foundation

/// Purging personal data past its retention, class by class, in short transactions.
public protocol RetentionStore: Sendable {
    /// How many rows of `dataClass` from before `before` still hold personal data.
    func purgeable(_ dataClass: RetentionPolicy.DataClass, before: Date) async throws -> Int
    /// Purges up to `limit` of them in one short transaction; returns how many.
    func purge(_ dataClass: RetentionPolicy.DataClass, before: Date, limit: Int, pseudonyms: Pseudonyms) async throws -> Int
}
