import Domain
import Foundation

/// A resident's area alerts changed by SMS or USSD, written with the hop.
public enum AlertSubscriptionChange: Sendable, Equatable {
    /// Adds `areas` (each once) while the number has fewer than `limit`.
    case add(MSISDN, areas: [String], language: String, limit: Int)
    /// Ends the alerts of `areas`; empty: all of them (ALERTS OFF, STOP).
    case remove(MSISDN, areas: [String])
}

/// An alert due to be queued, with the incident as it stands.
public struct DueAreaAlert: Sendable, Equatable {
    public var id: Int64
    public var kind: AreaAlertKind
    public var incident: Incident

    public init(id: Int64, kind: AreaAlertKind, incident: Incident) { (self.id, self.kind, self.incident) = (id, kind, incident) }
}

/// How far queuing one alert got: how many numbers this step queued, and whether it is done.
public struct AlertProgress: Sendable, Equatable {
    public var queued: Int
    public var done: Bool

    public init(queued: Int, done: Bool) { (self.queued, self.done) = (queued, done) }
}

/// Area alerts: due alerts are queued for their area's subscribers a chunk at a time (one
/// transaction each, so residents' hops never wait behind a large area), one SMS per number per
/// alert, in the number's language, marked to wait out the quiet hours.
public protocol AreaAlertStore: Sendable {
    /// Alerts due at `now` and not yet queued, oldest first.
    func dueAlerts(now: Date, limit: Int) async throws -> [DueAreaAlert]
    /// Queues the next `chunk` subscribers of alert `id` (resuming after the last queued); nil when
    /// it was queued already (by another instance).
    func queueAlert(_ id: Int64, _ bodies: IncidentBroadcast, chunk: Int, at: Date) async throws -> AlertProgress?
    /// How many numbers an alert for these areas reaches now (once each).
    func alertReach(areas: [String]) async throws -> Int
    /// An incident's alerts, in order.
    func areaAlerts(ofIncident id: Int64) async throws -> [AreaAlertRecord]
    /// The open incidents and planned works, and those closed since `closedSince`, of every MOE
    /// (the public feeds), by start.
    func publishedIncidents(closedSince: Date) async throws -> [Incident]
}
