import Domain
import Foundation
import Gateway

/// Console accounts, sessions and MOE tokens, for both stores. A session cookie is 43 random
/// letters and digits (256 bits) and an MOE token `mt_` and 52 more; only their SHA-256 is stored.
/// Every change is audited in its own transaction.
public protocol StaffBacked: SQLBacked {
    /// bcrypt, with the count of sign-ins waiting for it shared by every copy of the store.
    var passwords: Passwords { get }
}

enum StaffStatements {
    static let userColumns = "u.id, u.username, u.moe, u.role"

    static func user(_ row: any SQLRow) throws -> StaffUser {
        StaffUser(id: try row.integer(required: "id"), username: try row.text(required: "username"),
                  scope: StaffScope(stored: try row.text(required: "moe")), role: try row.value("role", as: StaffUser.Role.self))
    }

    static func audit(_ action: String, actor: String, detail: String?, address: String? = nil, at: Date) -> SQL {
        "INSERT INTO audit_log (at, actor, action, detail, address) VALUES (\(at), \(actor), \(action), \(detail), \(address))"
    }

    static func endSessions(of username: String) -> SQL {
        "DELETE FROM staff_sessions WHERE user_id = (SELECT id FROM users WHERE username = \(username))"
    }

    /// `change` (which must return `id`), then, if it touched the account, its sessions ended and the audit entry.
    static func changeAccount(_ username: String, _ change: SQL, also: [SQL] = [], audit: SQL) -> SQLFlow<Bool> {
        .run(change) { rows in rows.isEmpty ? .done(false) : .write([endSessions(of: username)] + also + [audit], true) }
    }
}

extension StaffAccounts where Self: StaffBacked {
    public func addUser(username: String, password: String, scope: StaffScope, role: StaffUser.Role, at: Date) async throws -> StaffUser {
        try Passwords.check(password)
        let hash = passwords.hash(password)
        let id = try await statements.run(.run("""
            INSERT INTO users (username, password_hash, moe, role, created_at) VALUES (\(username), \(hash), \(scope.stored), \(role.rawValue), \(at))
            ON CONFLICT (username) DO NOTHING RETURNING id
            """) { rows in .done(try rows.first?.integer(required: "id")) })
        guard let id else { throw StaffAccountProblem.usernameTaken(username) }
        return StaffUser(id: id, username: username, scope: scope, role: role)
    }
}

extension StaffAdministration where Self: StaffBacked {
    public func users() async throws -> [StaffAccount] {
        try await statements.read("SELECT \(raw: StaffStatements.userColumns), u.created_at, u.disabled_at, u.phone, u.email, u.head FROM users u ORDER BY u.moe, u.username") {
            StaffAccount(user: try StaffStatements.user($0), createdAt: try $0.date(required: "created_at"), disabledAt: try $0.date("disabled_at"),
                         contact: StaffContact(phone: try $0.text("phone").flatMap { MSISDN($0) }, email: try $0.text("email"), head: try $0.bool(required: "head")))
        }
    }

    public func setContact(_ username: String, _ contact: StaffContact) async throws -> Bool {
        try await statements.run(.run("""
            UPDATE users SET phone = \(contact.phone?.e164), email = \(contact.email), head = \(contact.head) WHERE username = \(username) RETURNING id
            """) { .done($0.count == 1) })
    }

    public func disableUser(_ username: String, at: Date, actor: String) async throws -> Bool {
        try await statements.run(StaffStatements.changeAccount(
            username, "UPDATE users SET disabled_at = \(at) WHERE username = \(username) AND disabled_at IS NULL RETURNING id",
            audit: StaffStatements.audit("user disabled", actor: actor, detail: username, at: at)))
    }

    public func setPassword(_ username: String, to password: String, at: Date, actor: String) async throws -> Bool {
        try Passwords.check(password)
        let hash = passwords.hash(password)
        // The owner starts afresh; the throttle of the addresses that guessed stays.
        let user = username.lowercased()
        return try await statements.run(StaffStatements.changeAccount(
            username, "UPDATE users SET password_hash = \(hash) WHERE username = \(username) RETURNING id",
            also: ["DELETE FROM sign_in_failures WHERE key = \("u:\(user)") OR substr(key, 1, CAST(\(user.count + 3) AS INTEGER)) = \("p:\(user)|")"],
            audit: StaffStatements.audit("password reset", actor: actor, detail: username, at: at)))
    }

    public func changeUser(_ username: String, role: StaffUser.Role, scope: StaffScope, at: Date, actor: String) async throws -> Bool {
        try await statements.run(StaffStatements.changeAccount(
            username, "UPDATE users SET role = \(role.rawValue), moe = \(scope.stored) WHERE username = \(username) RETURNING id",
            audit: StaffStatements.audit("user changed", actor: actor, detail: "\(username): \(role.rawValue), \(scope.stored)", at: at)))
    }

    public func tokens() async throws -> [TokenRecord] {
        try await statements.read("SELECT id, moe, token_prefix, created_at, revoked_at FROM moe_tokens ORDER BY id") {
            TokenRecord(id: try $0.integer(required: "id"), moe: try $0.text(required: "moe"), prefix: try $0.text(required: "token_prefix"),
                        createdAt: try $0.date(required: "created_at"), revokedAt: try $0.date("revoked_at"))
        }
    }

    /// By id, or by the prefix `token list` shows (all 7 characters of it); only one active token may match.
    public func revokeToken(_ idOrPrefix: String, at: Date, actor: String) async throws -> Bool {
        try await statements.run(.run("""
            SELECT t.id FROM moe_tokens t WHERE t.revoked_at IS NULL AND (CAST(t.id AS TEXT) = \(idOrPrefix) OR t.token_prefix = \(idOrPrefix))\(SQL.forUpdate(of: "t"))
            """) { rows in
            guard rows.count == 1 else { return .done(false) }
            let id = try rows[0].integer(required: "id")
            return .write(["UPDATE moe_tokens SET revoked_at = \(at) WHERE id = \(id)",
                           StaffStatements.audit("token revoked", actor: actor, detail: "token \(id)", at: at)], true)
        })
    }
}

extension MOETokens where Self: StaffBacked {
    public func addToken(moe: String, at: Date) async throws -> String {
        let token = "mt_" + Secret.random(52, from: Secret.readable)
        try await statements.write(["""
            INSERT INTO moe_tokens (moe, token_hash, token_prefix, created_at) VALUES (\(moe), \(SecretHash.of(token)), \(String(token.prefix(7))), \(at))
            """])
        return token
    }

    public func moe(forToken token: String) async throws -> String? {
        guard token.hasPrefix("mt_"), token.count < 200 else { return nil }
        return try await statements.read("SELECT moe FROM moe_tokens WHERE token_hash = \(SecretHash.of(token)) AND revoked_at IS NULL") {
            try $0.text(required: "moe")
        }.first
    }
}

extension StaffSessions where Self: StaffBacked {
    public func openSession(for user: StaffUser, address: String, at: Date) async throws -> (token: String, csrf: String) {
        let token = Secret.random(43, from: Secret.alphanumeric), csrf = Secret.random(43, from: Secret.alphanumeric)
        try await statements.write([
            "INSERT INTO staff_sessions (token_hash, user_id, csrf, created_at, last_seen_at) VALUES (\(SecretHash.of(token)), \(user.id), \(csrf), \(at), \(at))",
            "INSERT INTO audit_log (at, actor, action, address) VALUES (\(at), \(user.username), 'signed in', \(address))",
        ])
        return (token, csrf)
    }

    /// Alive: used within `idle`, begun within `lifetime`, its user not disabled. Using it keeps it
    /// alive; a dead one is deleted.
    public func session(_ token: String, at: Date, idle: TimeInterval, lifetime: TimeInterval) async throws -> StaffSession? {
        guard token.count == 43 else { return nil }
        let hash = SecretHash.of(token)
        return try await statements.run(.run("""
            SELECT \(raw: StaffStatements.userColumns), s.csrf FROM staff_sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = \(hash) AND s.last_seen_at > \(at.addingTimeInterval(-idle)) AND s.created_at > \(at.addingTimeInterval(-lifetime))
              AND u.disabled_at IS NULL\(SQL.forUpdate(of: "s"))
            """) { rows in
            guard let row = rows.first else { return .write(["DELETE FROM staff_sessions WHERE token_hash = \(hash)"], nil) }
            return .write(["UPDATE staff_sessions SET last_seen_at = \(at) WHERE token_hash = \(hash)"],
                          StaffSession(user: try StaffStatements.user(row), csrf: try row.text(required: "csrf")))
        })
    }

    public func closeSession(_ token: String) async throws {
        try await statements.write(["DELETE FROM staff_sessions WHERE token_hash = \(SecretHash.of(token))"])
    }
}

extension SignInRecords where Self: StaffBacked {
    public func account(named username: String) async throws -> SignInAccount? {
        try await statements.read("SELECT \(raw: StaffStatements.userColumns), u.password_hash, u.disabled_at FROM users u WHERE u.username = \(username)") {
            SignInAccount(user: try StaffStatements.user($0), passwordHash: try $0.text(required: "password_hash"), disabled: try $0.date("disabled_at") != nil)
        }.first
    }

    public func releaseAttempt(_ keys: [String]) async throws {
        guard !keys.isEmpty else { return }
        try await statements.write(["UPDATE sign_in_failures SET failures = failures - 1 WHERE key IN \(list: keys) AND failures > 0"])
    }

    public func auditRefusal(username: String, reason: String, address: String, at: Date) async throws {
        try await statements.write([StaffStatements.audit("sign-in refused", actor: username, detail: reason, address: address, at: at)])
    }

    public func clearFailures(_ keys: [String]) async throws {
        guard !keys.isEmpty else { return }
        try await statements.write(["DELETE FROM sign_in_failures WHERE key IN \(list: keys)"])
    }
}
