import Domain
import Foundation
import Hummingbird
import NIOCore
import Gateway
import Logging
import Synchronization

/// Token buckets in memory: one instance's allowance per client (SQLite, or tests). The table
/// is bounded: when it is full, buckets that have refilled (idle clients) are dropped first, then
/// the longest-unused tenth, so a flood of new keys never resets the clients already limited.
public final class MemoryBuckets: RequestBuckets {
    struct Bucket {
        var tokens: Double
        var at: Date
    }

    public let capacity: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(capacity: Int = 100_000) { self.capacity = capacity }

    public func take(_ rule: BucketRule, key: String, now: Date) -> Int? {
        buckets.withLock { table in
            let bucket = table[key] ?? Bucket(tokens: rule.burst, at: now)
            let (tokens, wait) = rule.refill(bucket.tokens, after: now.timeIntervalSince(bucket.at))
            if table.count >= capacity, table[key] == nil { Self.prune(&table, now: now, rule: rule, capacity: capacity) }
            table[key] = Bucket(tokens: tokens, at: now)
            return wait
        }
    }

    static func prune(_ table: inout [String: Bucket], now: Date, rule: BucketRule, capacity: Int) {
        let idle = rule.burst / max(rule.perMinute / 60, 0.0001)
        table = table.filter { now.timeIntervalSince($0.value.at) < idle }
        guard table.count >= capacity else { return }
        let cutoff = table.values.map(\.at).sorted()[table.count / 10]
        table = table.filter { $0.value.at > cutoff }
    }
}

/// What the routes ask: may this client make this kind of request now? A store that cannot
/// answer lets the request through (a limit is not worth an outage) and says so in the log.
public struct RateLimiter: Sendable {
    let buckets: any RequestBuckets
    let clock: any WallClock
    let logger: Logger

    public init(buckets: any RequestBuckets, clock: any WallClock, logger: Logger) {
        self.buckets = buckets
        self.clock = clock
        self.logger = logger
    }

    /// nil: go ahead. Otherwise the seconds to wait.
    public func take(_ rule: BucketRule, _ name: String, address: String) async -> Int? {
        do {
            return try await buckets.take(rule, key: name + "|" + AddressBlock.of(address), now: clock.now())
        } catch {
            logger.error("rate limit unavailable, request let through", metadata: ["limit": "\(name)", "error": "\(error)"])
            return nil
        }
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
