import Foundation

/// One reading for /metrics, taken from the store when scraped.
public struct GaugeReading: Sendable, Equatable {
    public var name: String
    public var labels: [String: String]
    public var value: Int

    public init(name: String, labels: [String: String], value: Int) {
        self.name = name
        self.labels = labels
        self.value = value
    }
}

/// What operators watch: tickets by channel and status, the outbox by status, live sessions, and
/// per MOE the open backlog and how much of it is overdue at `now`.
public protocol OperationalStatistics: Sendable {
    func readings(now: Date) async throws -> [GaugeReading]
}
