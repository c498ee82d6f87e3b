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

    /// Audit entries of a ticket, oldest first: (actor, action, detail).
    public func auditLog(of reference: Reference) async throws -> [(actor: String, action: AuditAction, detail: String?)] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.actor, a.action, a.detail FROM audit_log a JOIN tickets t ON t.id = a.ticket_id WHERE t.reference = ? ORDER BY a.id
                """, arguments: [reference.digits]).map { ($0["actor"], AuditAction(rawValue: $0["action"]), $0["detail"]) }
        }
    }
}
