import Domain
import Foundation

// The MOE API's views of a ticket and an incident: what `/api/v1/...` answers and what a webhook's
// `data` carries, one shape for both.

/// A ticket as the MOE API shows it: its fields, with `due` (the expected date once scheduled,
/// else the service-level target) and `overdue` (open and past it).
public struct APITicket: Encodable {
    public var ticket: QueueTicket
    public var now: Date

    public init(_ ticket: QueueTicket, now: Date) {
        self.ticket = ticket
        self.now = now
    }

    enum Keys: String, CodingKey {
        case due, overdue
        case dueSoon = "due_soon"
        case escalationLevel = "escalation_level"
    }

    public func encode(to encoder: any Encoder) throws {
        try ticket.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encodeIfPresent(ticket.dueAt, forKey: .due)
        try c.encode(ticket.isOverdue(at: now), forKey: .overdue)
        try c.encode(ticket.isDueSoon(at: now), forKey: .dueSoon)
        try c.encode(ticket.escalationLevel, forKey: .escalationLevel)
    }
}

/// An incident as the MOE API shows it.
public struct APIIncident: Codable, Sendable, Equatable {
    public var id: Int64
    public var service: String
    public var faults: [String]
    public var areas: [String]
    public var description: String
    public var expected_at: Date?
    public var status: String
    public var created_at: Date
    public var updated_at: Date
    /// Planned works (announced ahead with a start) rather than a fault.
    public var planned: Bool?
    public var starts_at: Date?
    /// `announced`, `current`, `overdue` (open past its expected end), `ended` or `cancelled`.
    public var phase: String?
    public var history: [Entry]?
    public var linked_tickets: Int?
    public var attached_residents: Int?
    /// The newest 100 linked tickets.
    public var tickets: [Linked]?

    public struct Linked: Codable, Sendable, Equatable {
        public var reference: String
        public var fault: String
        public var area: String
        public var status: String

        public init(reference: String, fault: String, area: String, status: String) {
            (self.reference, self.fault, self.area, self.status) = (reference, fault, area, status)
        }
    }

    public struct Entry: Codable, Sendable, Equatable {
        public var at: Date
        public var kind: String
        public var description: String?
        public var expected_at: Date?
        public var areas: [String]
        public var actor: String

        public init(_ e: IncidentEvent) {
            (at, kind, description, expected_at, areas, actor) = (e.at, e.kind, e.description, e.expectedAt, e.areas, e.actor)
        }
    }

    /// As it stands at `now`.
    public init(_ i: Incident, at now: Date) {
        (id, service, faults, areas, description, expected_at) = (i.id, i.service, i.faults, i.areas, i.description, i.expectedAt)
        (status, created_at, updated_at) = (i.isOpen ? "open" : "closed", i.createdAt, i.updatedAt)
        (planned, starts_at, phase) = (i.isPlanned, i.startsAt, i.phase(at: now).rawValue)
    }
}
