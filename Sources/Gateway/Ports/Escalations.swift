import Domain
import Foundation

/// Open tickets past a service-level target, for the escalation job.
public protocol EscalationStore: Sendable {
    /// Open, unpaused tickets past their acknowledgement target (while new) or their resolution
    /// target, not yet at level 2, most overdue first, at most `limit`.
    func pastTarget(now: Date, limit: Int) async throws -> [TicketState]
}

/// How a member of staff above a queue is reached when a ticket is escalated.
public struct StaffContact: Sendable, Equatable {
    public var phone: MSISDN?
    public var email: String?
    /// One of the MOE's heads (told at level 2).
    public var head: Bool

    public init(phone: MSISDN? = nil, email: String? = nil, head: Bool = false) {
        self.phone = phone
        self.email = email
        self.head = head
    }

    public static let none = StaffContact()
}
