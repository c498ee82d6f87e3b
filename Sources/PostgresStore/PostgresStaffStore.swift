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

    func count(_ rows: PostgresRowSequence) async throws -> Int {
        var n = 0
        for try await _ in rows { n += 1 }
        return n
    }

    // MARK: Accounts

    public func addUser(username: String, password: String, scope: StaffScope, role: StaffUser.Role, at: Date) async throws -> StaffUser {
        try Passwords.check(password)
        let hash = passwords.hash(password)
        for try await id in try await client.query("""
            INSERT INTO users (username, password_hash, moe, role, created_at) VALUES (\(username), \(hash), \(scope.stored), \(role.rawValue), \(at))
            ON CONFLICT (username) DO NOTHING RETURNING id
            """, logger: logger).decode(Int64.self) {
            return StaffUser(id: id, username: username, scope: scope, role: role)
        }
        throw StaffAccountProblem.usernameTaken(username)
    }

    public func users() async throws -> [StaffAccount] {
        var out: [StaffAccount] = []
        for try await (id, username, moe, role, created, disabled, phone, email, head) in try await client.query("""
            SELECT id, username, moe, role, created_at, disabled_at, phone, email, head FROM users ORDER BY moe, username
            """, logger: logger).decode((Int64, String, String, String, Date, Date?, String?, String?, Bool).self) {
            guard let role = StaffUser.Role(rawValue: role) else { continue }
            out.append(StaffAccount(user: StaffUser(id: id, username: username, scope: StaffScope(stored: moe), role: role), createdAt: created, disabledAt: disabled,
                                    contact: StaffContact(phone: phone.flatMap { MSISDN($0) }, email: email, head: head)))
        }
        return out
    }

    public func setContact(_ username: String, _ contact: StaffContact) async throws -> Bool {
        var changed = 0
        for try await _ in try await client.query("""
            UPDATE users SET phone = \(contact.phone?.e164), email = \(contact.email), head = \(contact.head) WHERE username = \(username) RETURNING id
            """, logger: logger) { changed += 1 }
        return changed == 1
    }

    public func disableUser(_ username: String, at: Date, actor: String) async throws -> Bool {
        try await client.withTransaction(logger: logger) { tx in
            guard try await count(tx.query("""
                UPDATE users SET disabled_at = \(at) WHERE username = \(username) AND disabled_at IS NULL RETURNING id
                """, logger: logger)) > 0 else { return false }
            try await tx.query("DELETE FROM staff_sessions WHERE user_id = (SELECT id FROM users WHERE username = \(username))", logger: logger)
            try await tx.query("INSERT INTO audit_log (at, actor, action, detail) VALUES (\(at), \(actor), 'user disabled', \(username))", logger: logger)
            return true
        }
    }

    public func setPassword(_ username: String, to password: String, at: Date, actor: String) async throws -> Bool {
        try Passwords.check(password)
        let hash = passwords.hash(password)
        let user = username.lowercased()
        return try await client.withTransaction(logger: logger) { tx in
            guard try await count(tx.query("UPDATE users SET password_hash = \(hash) WHERE username = \(username) RETURNING id", logger: logger)) > 0 else {
                return false
            }
            try await tx.query("DELETE FROM staff_sessions WHERE user_id = (SELECT id FROM users WHERE username = \(username))", logger: logger)
            try await tx.query("DELETE FROM sign_in_failures WHERE key = \("u:\(user)") OR starts_with(key, \("p:\(user)|"))", logger: logger)
            try await tx.query("INSERT INTO audit_log (at, actor, action, detail) VALUES (\(at), \(actor), 'password reset', \(username))", logger: logger)
            return true
        }
    }

    public func changeUser(_ username: String, role: StaffUser.Role, scope: StaffScope, at: Date, actor: String) async throws -> Bool {
        try await client.withTransaction(logger: logger) { tx in
            guard try await count(tx.query("""
                UPDATE users SET role = \(role.rawValue), moe = \(scope.stored) WHERE username = \(username) RETURNING id
                """, logger: logger)) > 0 else { return false }
            try await tx.query("DELETE FROM staff_sessions WHERE user_id = (SELECT id FROM users WHERE username = \(username))", logger: logger)
            try await tx.query("""
                INSERT INTO audit_log (at, actor, action, detail) VALUES (\(at), \(actor), 'user changed', \("\(username): \(role.rawValue), \(scope.stored)"))
                """, logger: logger)
            return true
        }
    }

    // MARK: Sign-in records

    public func account(named username: String) async throws -> SignInAccount? {
        for try await (id, name, moe, role, hash, disabled) in try await client.query("""
            SELECT id, username, moe, role, password_hash, disabled_at FROM users WHERE username = \(username)
            """, logger: logger).decode((Int64, String, String, String, String, Date?).self) {
            guard let role = StaffUser.Role(rawValue: role) else { return nil }
            return SignInAccount(user: StaffUser(id: id, username: name, scope: StaffScope(stored: moe), role: role), passwordHash: hash, disabled: disabled != nil)
        }
        return nil
    }

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

    public func releaseAttempt(_ keys: [String]) async throws {
        try await client.query("UPDATE sign_in_failures SET failures = failures - 1 WHERE key = ANY(\(keys)) AND failures > 0", logger: logger)
    }

    public func auditRefusal(username: String, reason: String, address: String, at: Date) async throws {
        try await client.query("""
            INSERT INTO audit_log (at, actor, action, detail, address) VALUES (\(at), \(username), 'sign-in refused', \(reason), \(address))
            """, logger: logger)
    }

    public func clearFailures(_ keys: [String]) async throws {
        try await client.query("DELETE FROM sign_in_failures WHERE key = ANY(\(keys))", logger: logger)
    }

    // MARK: Console sessions

    public func openSession(for user: StaffUser, address: String, at: Date) async throws -> (token: String, csrf: String) {
        let token = Secret.random(43, from: Secret.alphanumeric), csrf = Secret.random(43, from: Secret.alphanumeric)
        try await client.withTransaction(logger: logger) { tx in
            try await tx.query("""
                INSERT INTO staff_sessions (token_hash, user_id, csrf, created_at, last_seen_at) VALUES (\(SecretHash.of(token)), \(user.id), \(csrf), \(at), \(at))
                """, logger: logger)
            try await tx.query("INSERT INTO audit_log (at, actor, action, address) VALUES (\(at), \(user.username), 'signed in', \(address))", logger: logger)
        }
        return (token, csrf)
    }

    public func session(_ token: String, at: Date, idle: TimeInterval, lifetime: TimeInterval) async throws -> StaffSession? {
        guard token.count == 43 else { return nil }
        let hash = SecretHash.of(token)
        let idleSince = at.addingTimeInterval(-idle), bornSince = at.addingTimeInterval(-lifetime)
        // Alive: used within `idle`, begun within `lifetime`, its user not disabled. Using it keeps it alive.
        for try await (id, username, moe, role, csrf) in try await client.query("""
            UPDATE staff_sessions s SET last_seen_at = \(at) FROM users u
            WHERE s.token_hash = \(hash) AND u.id = s.user_id AND s.last_seen_at > \(idleSince) AND s.created_at > \(bornSince) AND u.disabled_at IS NULL
            RETURNING u.id, u.username, u.moe, u.role, s.csrf
            """, logger: logger).decode((Int64, String, String, String, String).self) {
            guard let role = StaffUser.Role(rawValue: role) else { return nil }
            return StaffSession(user: StaffUser(id: id, username: username, scope: StaffScope(stored: moe), role: role), csrf: csrf)
        }
        try await client.query("DELETE FROM staff_sessions WHERE token_hash = \(hash)", logger: logger)
        return nil
    }

    public func closeSession(_ token: String) async throws {
        try await client.query("DELETE FROM staff_sessions WHERE token_hash = \(SecretHash.of(token))", logger: logger)
    }

    // MARK: MOE tokens

    public func addToken(moe: String, at: Date) async throws -> String {
        let token = "mt_" + Secret.random(52, from: Secret.readable)
        try await client.query("""
            INSERT INTO moe_tokens (moe, token_hash, token_prefix, created_at) VALUES (\(moe), \(SecretHash.of(token)), \(String(token.prefix(7))), \(at))
            """, logger: logger)
        return token
    }

    public func moe(forToken token: String) async throws -> String? {
        guard token.hasPrefix("mt_"), token.count < 200 else { return nil }
        for try await moe in try await client.query("""
            SELECT moe FROM moe_tokens WHERE token_hash = \(SecretHash.of(token)) AND revoked_at IS NULL
            """, logger: logger).decode(String.self) { return moe }
        return nil
    }

    public func tokens() async throws -> [TokenRecord] {
        var out: [TokenRecord] = []
        for try await (id, moe, prefix, created, revoked) in try await client.query("""
            SELECT id, moe, token_prefix, created_at, revoked_at FROM moe_tokens ORDER BY id
            """, logger: logger).decode((Int64, String, String, Date, Date?).self) {
            out.append(TokenRecord(id: id, moe: moe, prefix: prefix, createdAt: created, revokedAt: revoked))
        }
        return out
    }

    public func revokeToken(_ idOrPrefix: String, at: Date, actor: String) async throws -> Bool {
        try await client.withTransaction(logger: logger) { tx in
            var ids: [Int64] = []
            for try await id in try await tx.query("""
                SELECT id FROM moe_tokens WHERE revoked_at IS NULL AND (id::TEXT = \(idOrPrefix) OR token_prefix = \(idOrPrefix)) FOR UPDATE
                """, logger: logger).decode(Int64.self) { ids.append(id) }
            guard ids.count == 1 else { return false }
            try await tx.query("UPDATE moe_tokens SET revoked_at = \(at) WHERE id = \(ids[0])", logger: logger)
            try await tx.query("INSERT INTO audit_log (at, actor, action, detail) VALUES (\(at), \(actor), 'token revoked', \("token \(ids[0])"))", logger: logger)
            return true
        }
    }

    // MARK: Audit log
}
