import Crypto
import Domain
import Foundation
import Gateway
import GRDB

/// Staff users (bcrypt passwords), MOE API tokens (SHA-256, high-entropy) and the audit log.
public struct SQLiteStaffStore: StaffStore {
    let database: AppDatabase
    public let throttle = SignInThrottle()
    /// bcrypt, with the count of sign-ins waiting for it shared by every copy of this store.
    public let passwords = Passwords()

    /// The catalogue's promises: for tickets stored before their targets were.
    let levels: ServiceLevels

    public init(_ database: AppDatabase, levels: ServiceLevels = ServiceLevels()) {
        self.database = database
        self.levels = levels
    }

    public typealias Problem = StaffAccountProblem

    public func addUser(username: String, password: String, moe: String, role: StaffUser.Role, at: Date) async throws -> StaffUser {
        try Passwords.check(password)
        let hash = passwords.hash(password)
        return try await database.writer.write { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE username = ?)", arguments: [username]) == true {
                throw Problem.usernameTaken(username)
            }
            try db.execute(sql: "INSERT INTO users (username, password_hash, moe, role, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [username, hash, moe, role.rawValue, at])
            return StaffUser(id: db.lastInsertedRowID, username: username, moe: moe, role: role)
        }
    }

    public func addToken(moe: String, at: Date) async throws -> String {
        let token = "mt_" + Secret.random(52, from: Secret.readable)
        try await database.writer.write { db in
            try db.execute(sql: "INSERT INTO moe_tokens (moe, token_hash, token_prefix, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [moe, SecretHash.of(token), String(token.prefix(7)), at])
        }
        return token
    }

    public func moe(forToken token: String) async throws -> String? {
        guard token.hasPrefix("mt_"), token.count < 200 else { return nil }
        let hash = SecretHash.of(token)
        return try await database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT moe FROM moe_tokens WHERE token_hash = ? AND revoked_at IS NULL", arguments: [hash])
        }
    }

    public func audit(actor: String, action: String, reference: Reference?, detail: String?, address: String?, at: Date) async throws {
        try await database.writer.write { db in
            let ticket = try reference.flatMap { try Int64.fetchOne(db, sql: "SELECT id FROM tickets WHERE reference = ?", arguments: [$0.digits]) }
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, ticket_id, detail, address) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [at, actor, action, ticket, detail, address])
        }
    }

    /// Audit entries of a ticket, oldest first: (actor, action, detail).
    public func auditLog(of reference: Reference) async throws -> [(actor: String, action: String, detail: String?)] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.actor, a.action, a.detail FROM audit_log a JOIN tickets t ON t.id = a.ticket_id WHERE t.reference = ? ORDER BY a.id
                """, arguments: [reference.digits]).map { ($0[0], $0[1], $0[2]) }
        }
    }
}
