import Crypto
import Domain
import Foundation
import Gateway
import Persistence
import GRDB

/// Console sign-in and sessions. A session cookie is 43 random letters and digits (256 bits); only its SHA-256 is stored.
extension SQLiteStaffStore: SignInRecords {
    public func account(named username: String) async throws -> SignInAccount? {
        try await database.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT id, username, moe, role, password_hash, disabled_at FROM users WHERE username = ?",
                             arguments: [username]).flatMap { row in
                StaffUser.Role(rawValue: row[3]).map {
                    SignInAccount(user: StaffUser(id: row[0], username: row[1], scope: StaffScope(stored: row[2]), role: $0), passwordHash: row[4], disabled: row[5] != nil)
                }
            }
        }
    }

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

    public func releaseAttempt(_ keys: [String]) async throws {
        try await database.writer.write { db in
            for key in keys { try db.execute(sql: "UPDATE sign_in_failures SET failures = failures - 1 WHERE key = ? AND failures > 0", arguments: [key]) }
        }
    }

    public func auditRefusal(username: String, reason: String, address: String, at: Date) async throws {
        try await database.writer.write { db in
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, detail, address) VALUES (?, ?, 'sign-in refused', ?, ?)",
                           arguments: [at, username, reason, address])
        }
    }

    public func clearFailures(_ keys: [String]) async throws {
        try await database.writer.write { db in
            for key in keys { try db.execute(sql: "DELETE FROM sign_in_failures WHERE key = ?", arguments: [key]) }
        }
    }
}

/// Console sessions. A session cookie is 43 random letters and digits (256 bits); only its SHA-256 is stored.
extension SQLiteStaffStore {
    public func openSession(for user: StaffUser, address: String, at: Date) async throws -> (token: String, csrf: String) {
        let token = Secret.random(43, from: Secret.alphanumeric), csrf = Secret.random(43, from: Secret.alphanumeric)
        try await database.writer.write { db in
            try db.execute(sql: "INSERT INTO staff_sessions (token_hash, user_id, csrf, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [SecretHash.of(token), user.id, csrf, at, at])
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, address) VALUES (?, ?, 'signed in', ?)", arguments: [at, user.username, address])
        }
        return (token, csrf)
    }

    public func session(_ token: String, at: Date, idle: TimeInterval, lifetime: TimeInterval) async throws -> StaffSession? {
        guard token.count == 43 else { return nil }
        let hash = SecretHash.of(token)
        return try await database.writer.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT u.id, u.username, u.moe, u.role, s.csrf, s.last_seen_at, s.created_at, u.disabled_at
                FROM staff_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?
                """, arguments: [hash]), let role = StaffUser.Role(rawValue: row[3]) else { return nil }
            let lastSeen: Date = row[5], created: Date = row[6]
            guard lastSeen.addingTimeInterval(idle) > at, created.addingTimeInterval(lifetime) > at, row[7] == nil else {
                try db.execute(sql: "DELETE FROM staff_sessions WHERE token_hash = ?", arguments: [hash])
                return nil
            }
            try db.execute(sql: "UPDATE staff_sessions SET last_seen_at = ? WHERE token_hash = ?", arguments: [at, hash])
            return StaffSession(user: StaffUser(id: row[0], username: row[1], scope: StaffScope(stored: row[2]), role: role), csrf: row[4])
        }
    }

    public func closeSession(_ token: String) async throws {
        try await database.writer.write { db in
            try db.execute(sql: "DELETE FROM staff_sessions WHERE token_hash = ?", arguments: [SecretHash.of(token)])
        }
    }
}
