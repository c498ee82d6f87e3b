import Domain
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// Token buckets per (rule, client address), in memory, on the injected clock. The table is
/// bounded: when it is full, buckets that have refilled (idle clients) are dropped first.
public final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var at: Date
    }

    let clock: any WallClock
    let capacity: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(clock: any WallClock, capacity: Int = 100_000) {
        self.clock = clock
        self.capacity = capacity
    }

    /// nil: go ahead (a token was taken). Otherwise the seconds until the next token.
    public func take(_ rule: RateLimits.Rule, _ name: String, address: String) -> Int? {
        let now = clock.now()
        let key = name + "|" + address
        let perSecond = rule.perMinute / 60
        return buckets.withLock { table in
            var bucket = table[key] ?? Bucket(tokens: rule.burst, at: now)
            bucket.tokens = min(rule.burst, bucket.tokens + max(0, now.timeIntervalSince(bucket.at)) * perSecond)
            bucket.at = now
            defer {
                if table.count >= capacity, table[key] == nil { Self.prune(&table, now: now, rule: rule) }
                table[key] = bucket
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / max(perSecond, 0.0001)).rounded(.up)))
        }
    }

    static func prune(_ table: inout [String: Bucket], now: Date, rule: RateLimits.Rule) {
        let idle = rule.burst / max(rule.perMinute / 60, 0.0001)
        table = table.filter { now.timeIntervalSince($0.value.at) < idle }
        if table.count >= 100_000 { table.removeAll(keepingCapacity: true) }
    }

    /// The 429 a limited client gets (`with(body:)` words it in a route's own error format).
    static func tooMany(_ retryAfter: Int, json: Bool = true) -> Response {
        let body = json ? "{\"error\":\"too many requests: try again in \(retryAfter) s\"}" : "Too many requests: try again in \(retryAfter) s.\n"
        return Response(status: .tooManyRequests,
                        headers: [.contentType: json ? "application/json; charset=utf-8" : "text/plain; charset=utf-8", .retryAfter: "\(retryAfter)"],
                        body: .init(byteBuffer: .init(string: body)))
    }
}

extension Response {
    /// The same response with another JSON body.
    func with(body data: Data) -> Response {
        var copy = self
        copy.body = .init(byteBuffer: ByteBuffer(bytes: data))
        return copy
    }
}
