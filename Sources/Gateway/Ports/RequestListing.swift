import Domain
import Foundation

/// A ticket as open data shows it: public fields, the place, and the description as typed.
public struct PublicRequest: Sendable, Equatable {
    public var ticket: PublicTicket
    public var address: String
    public var description: String
    /// Where a map app put it.
    public var location: GeoPoint?
    /// Urgent or normal, as the MOE works it (Open311's `priority`).
    public var priority: TicketPriority

    public init(ticket: PublicTicket, address: String, description: String, location: GeoPoint? = nil, priority: TicketPriority = .normal) {
        self.priority = priority
        self.ticket = ticket
        self.address = address
        self.description = description
        self.location = location
    }
}

/// Which tickets a listing wants.
public struct RequestFilter: Sendable, Equatable {
    public struct ServiceMatch: Sendable, Equatable {
        public var service: String
        /// nil: any fault type of the service.
        public var fault: String?
        public init(service: String, fault: String?) {
            self.service = service
            self.fault = fault
        }
    }

    public var references: [Reference] = []
    public var services: [ServiceMatch] = []
    public var start: Date?
    public var end: Date?
    /// true: open statuses only; false: closed only.
    public var open: Bool?
    /// 1-based.
    public var page = 1
    public var pageSize = 50

    public init() {}
}

/// A change a reporter was told of (a status with or without public words), or a ticket marked a
/// duplicate, as FixMyStreet's `servicerequestupdates` lists them. Internal notes, re-routes and
/// residents' own updates are not among them.
public struct PublicUpdate: Sendable, Equatable {
    public var id: Int64
    public var reference: Reference
    public var status: TicketStatus?
    public var note: String?
    public var at: Date
    public init(id: Int64, reference: Reference, status: TicketStatus?, note: String?, at: Date) {
        (self.id, self.reference, self.status, self.note, self.at) = (id, reference, status, note, at)
    }
}

public protocol RequestListing: Sendable {
    func requests(_ filter: RequestFilter) async throws -> [PublicRequest]
    /// Public updates from `from` (inclusive) to `to` (exclusive), oldest first.
    func publicUpdates(from: Date, to: Date, limit: Int) async throws -> [PublicUpdate]
}
