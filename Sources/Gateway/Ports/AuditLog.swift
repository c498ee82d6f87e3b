import Domain
import Foundation

/// The audit log: append-only, each entry with the client address when a request caused it.
public protocol AuditLog: Sendable {
    /// `address`: the client address the request came from, when there was a request.
    func audit(actor: String, action: AuditAction, reference: Reference?, detail: String?, address: String?, at: Date) async throws
    /// Newest first, optionally of one MOE's tickets.
    func auditEntries(scope: String?, limit: Int, offset: Int) async throws -> [AuditEntry]
}

public struct AuditEntry: Sendable, Equatable {
    public var at: Date
    public var actor: String
    public var action: AuditAction
    public var reference: String?
    public var detail: String?

    public init(at: Date, actor: String, action: AuditAction, reference: String?, detail: String?) {
        self.at = at
        self.actor = actor
        self.action = action
        self.reference = reference
        self.detail = detail
    }
}

/// What an audit entry says was done: one of a fixed set, or an action on a ticket by its name.
/// Stored as its text; read back as it was written (an older or newer name stays readable).
public struct AuditAction: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    init(_ name: String) { rawValue = name }

    public var description: String { rawValue }

    public static let subjectCodeSent = AuditAction("subject code sent")
    public static let subjectExported = AuditAction("subject exported")
    public static let purge = AuditAction("purge")
    public static let uploadProcessed = AuditAction("upload processed")
    public static let reporterChased = AuditAction("reporter chased")
    public static let bulkUpload = AuditAction("bulk upload")
    public static let apiList = AuditAction("api list")
    public static let apiIndicators = AuditAction("api indicators")
    public static let apiRead = AuditAction("api read")
    public static let csvExport = AuditAction("csv export")
    public static let reportsExport = AuditAction("reports export")
    public static let upload = AuditAction("upload")
    public static let organisationAdded = AuditAction("organisation added")
    public static let organisationRevoked = AuditAction("organisation revoked")
    public static let tokenAdded = AuditAction("token added")
    public static let webhookAdded = AuditAction("webhook added")
    public static let webhookRemoved = AuditAction("webhook removed")
    public static let webhookEnabled = AuditAction("webhook enabled")
    public static let webhookResent = AuditAction("webhook resent")
    public static let userAdded = AuditAction("user added")
    public static let signedOut = AuditAction("signed out")
    public static let indicatorsExport = AuditAction("indicators export")
    public static let showNumber = AuditAction("show number")
    public static let subjectVerified = AuditAction("subject verified")
    public static let subjectVerificationFailed = AuditAction("subject verification failed")
    public static let incidentLinked = AuditAction("incident linked")
    public static let incidentUnlinked = AuditAction("incident unlinked")
    public static let crewAdded = AuditAction("crew added")
    public static let crewRemoved = AuditAction("crew removed")

    /// A ticket action, as `TicketAction.name` says it ("status resolved", "priority urgent").
    public static func ticket(_ action: TicketAction) -> AuditAction { AuditAction(action.name) }
}
