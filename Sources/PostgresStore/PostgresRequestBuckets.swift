import Foundation
import Gateway
import Logging
import PostgresNIO

/// Request allowances per client shared by every instance: one row per bucket, read and written
/// under its row lock, so two instances cannot both spend the last token.
public struct PostgresRequestBuckets: RequestBuckets {
    let database: PostgresAppDatabase

    public init(_ database: PostgresAppDatabase) { self.database = database }

    public func take(_ rule: BucketRule, key: String, now: Date) async throws -> Int? {
        let logger = database.logger
        return try await database.client.withTransaction(logger: logger) { tx in
            try await tx.query("INSERT INTO rate_buckets (key, tokens, at) VALUES (\(key), \(rule.burst), \(now)) ON CONFLICT (key) DO NOTHING",
                               logger: logger)
            var bucket = (tokens: rule.burst, at: now)
            for try await (tokens, at) in try await tx.query("SELECT tokens, at FROM rate_buckets WHERE key = \(key) FOR UPDATE",
                                                             logger: logger).decode((Double, Date).self) { bucket = (tokens, at) }
            let (tokens, wait) = rule.refill(bucket.tokens, after: now.timeIntervalSince(bucket.at))
            try await tx.query("UPDATE rate_buckets SET tokens = \(tokens), at = \(now) WHERE key = \(key)", logger: logger)
            return wait
        }
    }
}
