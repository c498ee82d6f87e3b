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
    func declare(_ draft: IncidentDraft, moe: String, actor: String, address: String?, at: Date) async throws -> Incident
    /// A public update (areas are added to those it has, never removed), or the closing with
    /// `closing`; nil if `moe` has no such incident, unchanged if it is closed already.
    func changeIncident(_ id: Int64, moe: String, _ draft: IncidentDraft, closing: Bool, actor: String, address: String?, at: Date) async throws -> Incident?
    func incident(_ id: Int64, moe: String) async throws -> Incident?
    /// Open incidents of `moe` (nil: every MOE), newest first.
    func openIncidents(moe: String?) async throws -> [Incident]
    func incidentHistory(_ id: Int64) async throws -> [IncidentEvent]
}

extension Incident {
    /// The comma-separated codes the stores keep faults and areas as.
    public static func codes(_ text: String) -> [String] { text.split(separator: ",").map(String.init) }
}
