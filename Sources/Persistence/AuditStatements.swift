import Domain
import Foundation
import Gateway

/// The audit log, for both stores: appended to, and read newest first.
public enum AuditStatements {
    public static func append(actor: String, action: AuditAction, reference: Reference?, detail: String?, address: String?, at: Date) -> SQL {
        """
        INSERT INTO audit_log (at, actor, action, ticket_id, detail, address)
        VALUES (\(at), \(actor), \(action.rawValue), (SELECT id FROM tickets WHERE reference = \(reference?.digits)), \(detail), \(address))
        """
    }

    public static func entries(scope: String?, limit: Int, offset: Int) -> SQL {
        """
        SELECT a.at, a.actor, a.action, t.reference, a.detail FROM audit_log a LEFT JOIN tickets t ON t.id = a.ticket_id
        WHERE \(SQL.scoped("t.moe", to: scope)) ORDER BY a.id DESC LIMIT \(max(1, min(limit, 1000))) OFFSET \(max(0, offset))
        """
    }

    public static func entry(_ row: any SQLRow) throws -> AuditEntry {
        AuditEntry(at: try row.date(required: "at"), actor: try row.text(required: "actor"), action: AuditAction(rawValue: try row.text(required: "action")),
                   reference: try row.text("reference"), detail: try row.text("detail"))
    }
}

extension AuditLog where Self: SQLBacked {
    public func audit(actor: String, action: AuditAction, reference: Reference?, detail: String?, address: String?, at: Date) async throws {
        try await statements.write([AuditStatements.append(actor: actor, action: action, reference: reference, detail: detail, address: address, at: at)])
    }

    public func auditEntries(scope: String?, limit: Int, offset: Int) async throws -> [AuditEntry] {
        try await statements.read(AuditStatements.entries(scope: scope, limit: limit, offset: offset), AuditStatements.entry)
    }
}
