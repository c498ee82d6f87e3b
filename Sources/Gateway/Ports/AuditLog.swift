import Domain
import Foundation

/// The audit log: append-only, each entry with the client address when a request caused it.
public protocol AuditLog: Sendable {
    /// `address`: the client address the request came from, when there was a request.
    func audit(actor: String, action: String, reference: Reference?, detail: String?, address: String?, at: Date) async throws
    /// Newest first, optionally of one MOE's tickets.
    func auditEntries(scope: String?, limit: Int, offset: Int) async throws -> [AuditEntry]
}

public struct AuditEntry: Sendable, Equatable {
    public var at: Date
    public var actor: String
    public var action: String
    public var reference: String?
    public var detail: String?

    public init(at: Date, actor: String, action: String, reference: String?, detail: String?) {
        self.at = at
        self.actor = actor
        self.action = action
        self.reference = reference
        self.detail = detail
    }
}
