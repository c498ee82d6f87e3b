import Crypto
import Domain
import Foundation
import Gateway
import GRDB
import HummingbirdBcrypt

/// Console sign-in and sessions. A session cookie is 43 random letters and digits (256 bits); only its SHA-256 is stored.
extension SQLiteStaffStore {
    /// Failures in a row before an account is locked, and for how long.
    public static let lockAfter = 5
    public static let lockFor: TimeInterval = 15 * 60

    /// Spent on an unknown username, so its answer takes as long as a wrong password.
    static let decoy = Bcrypt.hash("no such user, no such password", cost: 12)

    /// bcrypt runs one at a time on its own thread: a burst of sign-ins queues there instead of
    /// blocking the threads that serve everything else.
    static let hashing = DispatchQueue(label: "civicgate.bcrypt")

    static func verify(_ password: String, _ hash: String) async -> Bool {
        await withCheckedContinuation { done in hashing.async { done.resume(returning: Bcrypt.verify(password, hash: hash)) } }
    }

    public func signIn(username: String, password: String, at: Date) async throws -> SignIn {
        let account = try await database.writer.read { db -> Account? in
            try Row.fetchOne(db, sql: "SELECT id, username, moe, role, password_hash, failed_logins, locked_until FROM users WHERE username = ?",
                             arguments: [username]).flatMap { row in
                StaffUser.Role(rawValue: row[3]).map {
                    Account(user: StaffUser(id: row[0], username: row[1], moe: row[2], role: $0), hash: row[4], failures: row[5], lockedUntil: row[6])
                }
            }
        }
        guard let account else {
            _ = await Self.verify(password, Self.decoy)
            return .refused(failures: 0)
        }
        let id = account.user.id
        if let until = account.lockedUntil, until > at { return .locked(until: until) }
        if await Self.verify(password, account.hash) {
            try await database.writer.write { db in
                try db.execute(sql: "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", arguments: [id])
            }
            return .signedIn(account.user)
        }
        let failures = account.failures + 1
        let locked = failures % Self.lockAfter == 0 ? at.addingTimeInterval(Self.lockFor) : nil
        try await database.writer.write { db in
            try db.execute(sql: "UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?", arguments: [failures, locked, id])
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)",
                           arguments: [at, username, locked == nil ? "sign-in refused" : "account locked", "\(failures) failures in a row"])
        }
        return locked.map { .locked(until: $0) } ?? .refused(failures: failures)
    }

    public func openSession(for user: StaffUser, at: Date) async throws -> (token: String, csrf: String) {
        let token = Secret.random(43, from: Secret.alphanumeric), csrf = Secret.random(43, from: Secret.alphanumeric)
        try await database.writer.write { db in
            try db.execute(sql: "INSERT INTO staff_sessions (token_hash, user_id, csrf, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [SQLiteOrganisationStore.hash(token), user.id, csrf, at, at])
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action) VALUES (?, ?, 'signed in')", arguments: [at, user.username])
        }
        return (token, csrf)
    }

    public func session(_ token: String, at: Date, idle: TimeInterval) async throws -> StaffSession? {
        guard token.count == 43 else { return nil }
        let hash = SQLiteOrganisationStore.hash(token)
        return try await database.writer.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT u.id, u.username, u.moe, u.role, s.csrf, s.last_seen_at FROM staff_sessions s JOIN users u ON u.id = s.user_id
                WHERE s.token_hash = ?
                """, arguments: [hash]), let role = StaffUser.Role(rawValue: row[3]) else { return nil }
            guard (row[5] as Date).addingTimeInterval(idle) > at else {
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
        var failures: Int
        var lockedUntil: Date?
    }
}
