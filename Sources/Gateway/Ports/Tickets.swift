import Domain
import Foundation

/// A new ticket with everything decided at creation: where it goes and what the reporter is told.
public struct NewTicket: Sendable, Equatable {
    public var draft: TicketDraft
    public var destination: Destination
    public var createdAt: Date
    /// The confirmation SMS for the reporter, queued in the same transaction.
    public var confirmation: String?
    /// When it should be resolved: reported + the service level's target on its calendar (stored,
    /// so queues sort on a column).
    public var dueAt: Date?
    /// When it should be acknowledged, if the service level says.
    public var acknowledgeDueAt: Date?
    /// Urgent when the catalogue says so of its fault type.
    public var priority: TicketPriority

    public init(draft: TicketDraft, destination: Destination, createdAt: Date, confirmation: String?, dueAt: Date? = nil, acknowledgeDueAt: Date? = nil,
                priority: TicketPriority = .normal) {
        self.priority = priority
        self.dueAt = dueAt
        self.acknowledgeDueAt = acknowledgeDueAt
        self.draft = draft
        self.destination = destination
        self.createdAt = createdAt
        self.confirmation = confirmation
    }
}
