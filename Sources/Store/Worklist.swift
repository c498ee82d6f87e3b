import Domain
import Foundation
import Gateway
import GRDB
import Persistence

/// The audit log as the console reads it.
extension SQLiteStaffStore {
    public func auditEntries(scope: String?, limit: Int, offset: Int) async throws -> [AuditEntry] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.at, a.actor, a.action, t.reference, a.detail FROM audit_log a LEFT JOIN tickets t ON t.id = a.ticket_id
                WHERE (? IS NULL OR t.moe = ?) ORDER BY a.id DESC LIMIT ? OFFSET ?
                """, arguments: [scope, scope, limit, offset]).map {
                AuditEntry(at: $0[0], actor: $0[1], action: $0[2], reference: $0[3], detail: $0[4])
            }
        }
    }
}
