import Foundation

/// A client's allowance on one kind of request: a burst, then a steady rate.
public struct BucketRule: Sendable, Equatable {
    public var burst: Double
    public var perMinute: Double
    public init(burst: Double, perMinute: Double) {
        self.burst = burst
        self.perMinute = perMinute
    }
}

/// Token buckets per key (a kind of request and a client address). In memory for one instance;
/// in the database when several instances must share one allowance per client.
public protocol RequestBuckets: Sendable {
    /// nil: go ahead (a token was taken). Otherwise the seconds until the next token.
    func take(_ rule: BucketRule, key: String, now: Date) async throws -> Int?
}

extension BucketRule {
    /// The bucket after `elapsed` seconds, and whether a request may take a token from it.
    public func refill(_ tokens: Double, after elapsed: TimeInterval) -> (tokens: Double, wait: Int?) {
        let perSecond = perMinute / 60
        let now = min(burst, tokens + max(0, elapsed) * perSecond)
        guard now < 1 else { return (now - 1, nil) }
        return (now, max(1, Int(((1 - now) / max(perSecond, 0.0001)).rounded(.up))))
    }
}
