import Crypto
import Domain
import Foundation
import Gateway
import Persistence
import GRDB

/// Reserving a sign-in try on SQLite's one writer (the rest of sign-in and sessions is shared:
/// `Persistence/StaffStatements.swift`).
extension SQLiteStaffStore: SignInRecords {
    public func reserveAttempt(_ keys: [(SignInThrottle.Kind, String)], at: Date, throttle: SignInThrottle) async throws -> TimeInterval {
        try await database.writer.write { db in
            var records: [String: (failures: Int, lastAt: Date)] = [:]
            for (_, key) in keys {
                if let row = try Row.fetchOne(db, sql: "SELECT failures, last_at FROM sign_in_failures WHERE key = ?", arguments: [key]) {
                    records[key] = (row["failures"], row["last_at"])
                }
            }
            let reserved = throttle.reserve(keys, records: records, at: at)
            for (key, failures) in reserved.counts {
                try db.execute(sql: """
                    INSERT INTO sign_in_failures (key, failures, last_at) VALUES (?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at
                    """, arguments: [key, failures, at])
            }
            return reserved.wait
        }
    }
}

extension SQLiteStaffStore: StaffBacked {}
