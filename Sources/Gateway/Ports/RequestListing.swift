import Domain
import Foundation

/// A ticket as open data shows it: public fields, the place, and the description as typed.
public struct PublicRequest: Sendable, Equatable {
    public var ticket: PublicTicket
    public var address: String
    public var description: String

    public init(ticket: PublicTicket, address: String, description: String) {
        self.ticket = ticket
        self.address = address
        self.description = description
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

public protocol RequestListing: Sendable {
    func requests(_ filter: RequestFilter) async throws -> [PublicRequest]
}
