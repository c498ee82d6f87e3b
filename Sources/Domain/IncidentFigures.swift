import Foundation

/// One incident as the indicators count it.
public struct IncidentRecord: Sendable, Equatable {
    public var id: Int64
    public var createdAt: Date
    public var closedAt: Date?
    /// Residents who asked to be told when it is fixed.
    public var residents: Int
    public var linkedTickets: Int

    public init(id: Int64, createdAt: Date, closedAt: Date?, residents: Int, linkedTickets: Int) {
        (self.id, self.createdAt, self.closedAt, self.residents, self.linkedTickets) = (id, createdAt, closedAt, residents, linkedTickets)
    }
}

/// The incidents declared in a period: how many, how many residents they spared a report, how
/// many tickets they gathered, and how long restoring took (declared to closed).
public struct IncidentFigures: Sendable, Equatable, Encodable {
    public var declared: Int
    public var stillOpen: Int
    public var attachedResidents: Int
    public var linkedTickets: Int
    public var medianHoursToRestore: Double?
    public var longestHoursToRestore: Double?

    enum CodingKeys: String, CodingKey {
        case declared
        case stillOpen = "still_open"
        case attachedResidents = "attached_residents"
        case linkedTickets = "linked_tickets"
        case medianHoursToRestore = "median_hours_to_restore"
        case longestHoursToRestore = "longest_hours_to_restore"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(declared, forKey: .declared)
        try c.encode(stillOpen, forKey: .stillOpen)
        try c.encode(attachedResidents, forKey: .attachedResidents)
        try c.encode(linkedTickets, forKey: .linkedTickets)
        try c.encode(medianHoursToRestore, forKey: .medianHoursToRestore)
        try c.encode(longestHoursToRestore, forKey: .longestHoursToRestore)
    }

    public init(_ records: [IncidentRecord]) {
        declared = records.count
        stillOpen = records.filter { $0.closedAt == nil }.count
        attachedResidents = records.reduce(0) { $0 + $1.residents }
        linkedTickets = records.reduce(0) { $0 + $1.linkedTickets }
        let minutes = records.compactMap { r in r.closedAt.map { Indicators.minutes(r.createdAt, $0) } }
        medianHoursToRestore = Indicators.percentile(minutes, 50).map { Indicators.round($0 / 60) }
        longestHoursToRestore = minutes.max().map { Indicators.round(Double($0) / 60) }
    }
}
