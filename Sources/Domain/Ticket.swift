import Foundation

/// What a resident asked for, before it is routed and stored.
public struct TicketDraft: Sendable, Equatable, Codable {
    public var reference: Reference
    public var service: String
    public var fault: String
    public var area: String
    public var address: String
    public var description: String
    public var channel: ReportChannel
    public var reporter: MSISDN?
    public var language: String
    /// Where a map app put it, if it did.
    public var location: GeoPoint?
    /// Placed by coordinates outside every mapped area: the municipal triage queue sorts it out.
    public var outsideAreas = false

    public init(
        reference: Reference, service: String, fault: String, area: String, address: String,
        description: String = "", channel: ReportChannel, reporter: MSISDN?, language: String
    ) {
        self.reference = reference
        self.service = service
        self.fault = fault
        self.area = area
        self.address = address
        self.description = description
        self.channel = channel
        self.reporter = reporter
        self.language = language
    }
}

/// A stored ticket as it is shown to the public: never any personal data.
public struct PublicTicket: Sendable, Equatable {
    public var reference: Reference
    public var service: String
    public var fault: String
    public var area: String
    public var moe: String
    public var status: TicketStatus
    public var lastPublicUpdate: String?
    public var expectedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    /// The incident it is linked to: its news is the ticket's news.
    public var incident: IncidentNotice?

    public init(
        reference: Reference, service: String, fault: String, area: String, moe: String,
        status: TicketStatus, lastPublicUpdate: String?, expectedAt: Date?, createdAt: Date, updatedAt: Date,
        incident: IncidentNotice? = nil
    ) {
        self.incident = incident
        self.reference = reference
        self.service = service
        self.fault = fault
        self.area = area
        self.moe = moe
        self.status = status
        self.lastPublicUpdate = lastPublicUpdate
        self.expectedAt = expectedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
