import Crypto
import Domain
import Foundation
import Gateway
import Persistence
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

    public func addUser(username: String, password: String, scope: StaffScope, role: StaffUser.Role, at: Date) async throws -> StaffUser {
        try Passwords.check(password)
        let hash = passwords.hash(password)
        return try await database.writer.write { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE username = ?)", arguments: [username]) == true {
                throw Problem.usernameTaken(username)
            }
            try db.execute(sql: "INSERT INTO users (username, password_hash, moe, role, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [username, hash, scope.stored, role.rawValue, at])
            return StaffUser(id: db.lastInsertedRowID, username: username, scope: scope, role: role)
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

    /// Audit entries of a ticket, oldest first: (actor, action, detail).
    public func auditLog(of reference: Reference) async throws -> [(actor: String, action: AuditAction, detail: String?)] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.actor, a.action, a.detail FROM audit_log a JOIN tickets t ON t.id = a.ticket_id WHERE t.reference = ? ORDER BY a.id
                """, arguments: [reference.digits]).map { ($0["actor"], AuditAction(rawValue: $0["action"]), $0["detail"]) }
        }
    }
}
