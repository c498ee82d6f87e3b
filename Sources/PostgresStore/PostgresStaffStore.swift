import Domain
import Foundation
import Gateway
import Persistence
import Logging
import PostgresNIO

/// Staff accounts, console sessions, MOE tokens and the audit log on PostgreSQL. Sign-in rules
/// are `Gateway.SignInRecords`'; the throttle lives in the database, so it holds across instances.
public struct PostgresStaffStore: StaffStore, SignInRecords {
    let database: PostgresAppDatabase
    public let throttle = SignInThrottle()
    public let passwords = Passwords()

    public init(_ database: PostgresAppDatabase) { self.database = database }

    var client: PostgresClient { database.client }
    var logger: Logger { database.logger }

    public func reserveAttempt(_ keys: [(SignInThrottle.Kind, String)], at: Date, throttle: SignInThrottle) async throws -> TimeInterval {
        let names = keys.map(\.1).sorted()
        return try await client.withTransaction(logger: logger) { tx in
            // Rows to lock first (in one order, so two tries never wait on each other crosswise).
            try await tx.query("""
                INSERT INTO sign_in_failures (key, failures, last_at) SELECT k, 0, \(Date(timeIntervalSince1970: 0)) FROM unnest(\(names)::text[]) AS k
                ON CONFLICT (key) DO NOTHING
                """, logger: logger)
            var records: [String: (failures: Int, lastAt: Date)] = [:]
            for try await (key, failures, last) in try await tx.query("""
                SELECT key, failures, last_at FROM sign_in_failures WHERE key = ANY(\(names)) ORDER BY key FOR UPDATE
                """, logger: logger).decode((String, Int32, Date).self) {
                records[key] = (Int(failures), last)
            }
            let reserved = throttle.reserve(keys, records: records, at: at)
            for (key, failures) in reserved.counts {
                try await tx.query("UPDATE sign_in_failures SET failures = \(Int32(clamping: failures)), last_at = \(at) WHERE key = \(key)", logger: logger)
            }
            return reserved.wait
        }
    }
}

extension PostgresStaffStore: StaffBacked {}
