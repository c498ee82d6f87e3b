import Domain
import Foundation
import Gateway
import Persistence
import GRDB

/// What an administrator does from the CLI: list and disable users, reset passwords, list and
/// revoke MOE tokens. Each change is audited.
extension SQLiteStaffStore {
    public func users() async throws -> [StaffAccount] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, username, moe, role, created_at, disabled_at, phone, email, head FROM users ORDER BY moe, username")
                .compactMap { row -> StaffAccount? in
                    guard let role = StaffUser.Role(rawValue: row[3]) else { return nil }
                    let phone: String? = row[6]
                    let contact = StaffContact(phone: phone.flatMap { MSISDN($0) }, email: row[7], head: row[8])
                    return StaffAccount(user: StaffUser(id: row[0], username: row[1], scope: StaffScope(stored: row[2]), role: role), createdAt: row[4], disabledAt: row[5],
                                        contact: contact)
                }
        }
    }

    public func setContact(_ username: String, _ contact: StaffContact) async throws -> Bool {
        try await database.writer.write { db in
            try db.execute(sql: "UPDATE users SET phone = ?, email = ?, head = ? WHERE username = ?",
                           arguments: [contact.phone?.e164, contact.email, contact.head, username])
            return db.changesCount == 1
        }
    }

    public func disableUser(_ username: String, at: Date, actor: String) async throws -> Bool {
        try await database.writer.write { db in
            try db.execute(sql: "UPDATE users SET disabled_at = ? WHERE username = ? AND disabled_at IS NULL", arguments: [at, username])
            guard db.changesCount > 0 else { return false }
            try endSessions(db, of: username)
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, 'user disabled', ?)", arguments: [at, actor, username])
            return true
        }
    }

    public func setPassword(_ username: String, to password: String, at: Date, actor: String) async throws -> Bool {
        try Passwords.check(password)
        let hash = passwords.hash(password)
        return try await database.writer.write { db in
            try db.execute(sql: "UPDATE users SET password_hash = ? WHERE username = ?", arguments: [hash, username])
            guard db.changesCount > 0 else { return false }
            try endSessions(db, of: username)
            // The owner starts afresh; the throttle of the addresses that guessed stays.
            let user = username.lowercased()
            try db.execute(sql: "DELETE FROM sign_in_failures WHERE key = ? OR substr(key, 1, ?) = ?",
                           arguments: ["u:\(user)", user.count + 3, "p:\(user)|"])
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, 'password reset', ?)", arguments: [at, actor, username])
            return true
        }
    }

    public func changeUser(_ username: String, role: StaffUser.Role, scope: StaffScope, at: Date, actor: String) async throws -> Bool {
        try await database.writer.write { db in
            try db.execute(sql: "UPDATE users SET role = ?, moe = ? WHERE username = ?", arguments: [role.rawValue, scope.stored, username])
            guard db.changesCount > 0 else { return false }
            try endSessions(db, of: username)
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, 'user changed', ?)",
                           arguments: [at, actor, "\(username): \(role.rawValue), \(scope.stored)"])
            return true
        }
    }

    func endSessions(_ db: Database, of username: String) throws {
        try db.execute(sql: "DELETE FROM staff_sessions WHERE user_id = (SELECT id FROM users WHERE username = ?)", arguments: [username])
    }

    public func tokens() async throws -> [TokenRecord] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, moe, token_prefix, created_at, revoked_at FROM moe_tokens ORDER BY id").map {
                TokenRecord(id: $0[0], moe: $0[1], prefix: $0[2], createdAt: $0[3], revokedAt: $0[4])
            }
        }
    }

    /// By id, or by the prefix `token list` shows (all 7 characters of it).
    public func revokeToken(_ idOrPrefix: String, at: Date, actor: String) async throws -> Bool {
        try await database.writer.write { db in
            let ids = try Int64.fetchAll(db, sql: """
                SELECT id FROM moe_tokens WHERE revoked_at IS NULL AND (CAST(id AS TEXT) = ? OR token_prefix = ?)
                """, arguments: [idOrPrefix, idOrPrefix])
            guard ids.count == 1 else { return false }
            try db.execute(sql: "UPDATE moe_tokens SET revoked_at = ? WHERE id = ?", arguments: [at, ids[0]])
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, 'token revoked', ?)", arguments: [at, actor, "token \(ids[0])"])
            return true
        }
    }
}
