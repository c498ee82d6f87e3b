import Crypto
import Domain
import Foundation
import Gateway
import GRDB
import HummingbirdBcrypt
import Synchronization

/// Console sign-in and sessions. A session cookie is 43 random letters and digits (256 bits); only its SHA-256 is stored.
extension SQLiteStaffStore {
    /// Spent on an unknown username, so its answer takes as long as a wrong password.
    static let decoy = Bcrypt.hash("no such user, no such password", cost: 12)

    /// bcrypt runs one at a time on its own thread, so a burst of sign-ins cannot starve the
    /// threads that serve everything else; past `BcryptGate.maxWaiting` tries waiting for it, a
    /// sign-in is answered `busy` at once instead of queueing without end.
    static let hashing = DispatchQueue(label: "civicgate.bcrypt")

    func verify(_ password: String, _ hash: String) async -> Bool? {
        guard gate.enter() else { return nil }
        defer { gate.leave() }
        return await withCheckedContinuation { done in Self.hashing.async { done.resume(returning: Bcrypt.verify(password, hash: hash)) } }
    }

    public func signIn(username: String, password: String, address: String, at: Date) async throws -> SignIn {
        let keys = SignInThrottle.keys(username: username, address: address)
        let throttle = self.throttle
        let (account, wait) = try await database.writer.read { db -> (Account?, TimeInterval) in
            var records: [(kind: SignInThrottle.Kind, failures: Int, lastAt: Date)] = []
            for (kind, key) in keys {
                if let row = try Row.fetchOne(db, sql: "SELECT failures, last_at FROM sign_in_failures WHERE key = ?", arguments: [key]) {
                    records.append((kind, row[0], row[1]))
                }
            }
            let account = try Row.fetchOne(db, sql: """
                SELECT id, username, moe, role, password_hash, disabled_at FROM users WHERE username = ?
                """, arguments: [username]).flatMap { row in
                StaffUser.Role(rawValue: row[3]).map {
                    Account(user: StaffUser(id: row[0], username: row[1], moe: row[2], role: $0), hash: row[4], disabled: row[5] != nil)
                }
            }
            return (account, throttle.retryAfter(records, now: at))
        }
        // Throttled before any bcrypt: a flood of guesses costs us nothing.
        if wait > 0 { return .throttled(retryAfter: wait.rounded(.up)) }
        guard let verified = await verify(password, account?.hash ?? Self.decoy) else { return .busy }
        if let account, verified, !account.disabled {
            try await database.writer.write { db in
                for (kind, key) in keys where kind != .address {
                    try db.execute(sql: "DELETE FROM sign_in_failures WHERE key = ?", arguments: [key])
                }
            }
            return .signedIn(account.user)
        }
        let window = throttle.window
        try await database.writer.write { db in
            for (_, key) in keys {
                try db.execute(sql: """
                    INSERT INTO sign_in_failures (key, failures, last_at) VALUES (?, 1, ?)
                    ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN last_at < ? THEN 1 ELSE failures + 1 END, last_at = excluded.last_at
                    """, arguments: [key, at, at.addingTimeInterval(-window)])
            }
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, detail, address) VALUES (?, ?, 'sign-in refused', ?, ?)",
                           arguments: [at, String(username.prefix(64)), account == nil ? "no such user" : account!.disabled ? "disabled" : "wrong password", address])
        }
        return .refused
    }

    public func openSession(for user: StaffUser, address: String, at: Date) async throws -> (token: String, csrf: String) {
        let token = Secret.random(43, from: Secret.alphanumeric), csrf = Secret.random(43, from: Secret.alphanumeric)
        try await database.writer.write { db in
            try db.execute(sql: "INSERT INTO staff_sessions (token_hash, user_id, csrf, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [SQLiteOrganisationStore.hash(token), user.id, csrf, at, at])
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, address) VALUES (?, ?, 'signed in', ?)", arguments: [at, user.username, address])
        }
        return (token, csrf)
    }

    public func session(_ token: String, at: Date, idle: TimeInterval, lifetime: TimeInterval) async throws -> StaffSession? {
        guard token.count == 43 else { return nil }
        let hash = SQLiteOrganisationStore.hash(token)
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
            return StaffSession(user: StaffUser(id: row[0], username: row[1], moe: row[2], role: role), csrf: row[4])
        }
    }

    public func closeSession(_ token: String) async throws {
        try await database.writer.write { db in
            try db.execute(sql: "DELETE FROM staff_sessions WHERE token_hash = ?", arguments: [SQLiteOrganisationStore.hash(token)])
        }
    }

    struct Account: Sendable {
        var user: StaffUser
        var hash: String
        var disabled: Bool
    }
}

/// How many sign-ins may wait for bcrypt at once.
final class BcryptGate: Sendable {
    static let maxWaiting = 8
    private let inside = Mutex(0)

    func enter() -> Bool {
        inside.withLock { n in
            guard n < Self.maxWaiting else { return false }
            n += 1
            return true
        }
    }

    func leave() { inside.withLock { $0 -= 1 } }
}
