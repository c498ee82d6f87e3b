import Domain
import Foundation

/// One entry of an incident's history: declared, updated (a public update), closed.
public struct IncidentEvent: Sendable, Equatable {
    public var at: Date
    public var kind: String
    public var description: String?
    public var expectedAt: Date?
    public var areas: [String]
    public var actor: String

    public init(at: Date, kind: String, description: String?, expectedAt: Date?, areas: [String], actor: String) {
        (self.at, self.kind, self.description, self.expectedAt, self.areas, self.actor) = (at, kind, description, expectedAt, areas, actor)
    }
}

/// Incidents and their history. Every change writes its history entry and an audit row in the
/// same transaction. Drafts come checked by `IncidentRules`; another MOE's incident is nil.
public protocol IncidentStore: Sendable {
    /// Its area alerts are scheduled in the same transaction (`AreaAlertSchedule`, on `calendar`).
    func declare(_ draft: IncidentDraft, moe: String, actor: String, address: String?, at: Date, calendar: MunicipalCalendar) async throws -> Incident
    /// A public update (areas are added to those it has, never removed), or the closing with
    /// `closing`; nil if `moe` has no such incident, unchanged if it is closed already. The
    /// broadcast is queued in the same transaction, to every attached resident and reporter of a
    /// linked ticket, once per number.
    /// Its area alerts are rescheduled in the same transaction (`broadcast` non-nil: there is news).
    func changeIncident(_ id: Int64, moe: String, _ draft: IncidentDraft, closing: Bool, broadcast: IncidentBroadcast?, actor: String,
                        address: String?, at: Date, calendar: MunicipalCalendar) async throws -> Incident?
    /// Links the open tickets of `moe` that the selection matches and no incident holds yet;
    /// returns how many. The selection is within the incident's service.
    func linkTickets(to id: Int64, moe: String, _ selection: TicketSelection, actor: String, address: String?, at: Date) async throws -> Int?
    /// Unlinks one ticket; false if it was not linked to this incident of `moe`.
    func unlinkTicket(_ reference: Reference, from id: Int64, moe: String, actor: String, address: String?, at: Date) async throws -> Bool
    /// The tickets linked to it (newest first, at most `limit`) and how many residents are attached.
    func incidentReach(_ id: Int64, limit: Int) async throws -> IncidentReach
    /// The incidents of `moe` declared in [from, to), for the indicators.
    func incidentRecords(moe: String?, from: Date, to: Date) async throws -> [IncidentRecord]
    func incident(_ id: Int64, moe: String) async throws -> Incident?
    /// Open incidents of `moe` (nil: every MOE), newest first.
    func openIncidents(moe: String?) async throws -> [Incident]
    func incidentHistory(_ id: Int64) async throws -> [IncidentEvent]
}

/// A resident who asked to be told when an incident is fixed.
public struct IncidentAttachment: Sendable, Equatable {
    public var incidentID: Int64
    public var msisdn: MSISDN
    public var language: String
    public var channel: ReportChannel

    public init(incidentID: Int64, msisdn: MSISDN, language: String, channel: ReportChannel) {
        (self.incidentID, self.msisdn, self.language, self.channel) = (incidentID, msisdn, language, channel)
    }
}

/// An update's or a closing's SMS, in every language; a number whose language has none gets
/// `fallback`'s. Queued after the replies that are due (outbox priority 1).
public struct IncidentBroadcast: Sendable, Equatable {
    public var bodies: [String: String]
    public var fallback: String

    public init(bodies: [String: String], fallback: String) {
        (self.bodies, self.fallback) = (bodies, fallback)
    }

    public func body(for language: String?) -> String? {
        language.flatMap { bodies[$0] } ?? bodies[fallback]
    }
}

/// Which open tickets to link to an incident: in its service, in these areas (all of the
/// incident's when empty), of these faults (any when empty), received since `since`.
public struct TicketSelection: Sendable, Equatable {
    public var areas: [String]
    public var faults: [String]
    public var since: Date?
    public var references: [Reference]

    public init(areas: [String] = [], faults: [String] = [], since: Date? = nil, references: [Reference] = []) {
        (self.areas, self.faults, self.since, self.references) = (areas, faults, since, references)
    }
}

/// Who an incident reaches: its linked tickets and its attached residents.
public struct IncidentReach: Sendable, Equatable {
    public struct Linked: Sendable, Equatable {
        public var reference: Reference
        public var fault: String
        public var area: String
        public var status: TicketStatus
        public var createdAt: Date
        public init(reference: Reference, fault: String, area: String, status: TicketStatus, createdAt: Date) {
            (self.reference, self.fault, self.area, self.status, self.createdAt) = (reference, fault, area, status, createdAt)
        }
    }

    public var tickets: [Linked]
    public var linkedCount: Int
    public var residents: Int

    public init(tickets: [Linked], linkedCount: Int, residents: Int) {
        (self.tickets, self.linkedCount, self.residents) = (tickets, linkedCount, residents)
    }
}

extension Incident {
    /// The comma-separated codes the stores keep faults and areas as.
    public static func codes(_ text: String) -> [String] { text.split(separator: ",").map(String.init) }
}

extension IncidentStore {
    /// In the municipality of the default zone (tests and tools).
    public func declare(_ d: IncidentDraft, moe: String, actor: String, address: String?, at: Date) async throws -> Incident {
        try await declare(d, moe: moe, actor: actor, address: address, at: at, calendar: MunicipalCalendar())
    }

    public func changeIncident(_ id: Int64, moe: String, _ d: IncidentDraft, closing: Bool, broadcast: IncidentBroadcast?, actor: String,
                               address: String?, at: Date) async throws -> Incident? {
        try await changeIncident(id, moe: moe, d, closing: closing, broadcast: broadcast, actor: actor, address: address, at: at, calendar: MunicipalCalendar())
    }
}
