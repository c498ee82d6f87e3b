/// Where a ticket goes: an MOE and one of its queues.
public struct Destination: Sendable, Equatable, Codable {
    public var moe: String
    public var queue: String
    public init(moe: String, queue: String) {
        self.moe = moe
        self.queue = queue
    }
}

/// One rule: reports of `service` in `area` go to `destination`. A nil area matches every area.
public struct RoutingRule: Sendable, Equatable, Codable {
    public var service: String
    public var area: String?
    public var destination: Destination
    public init(service: String, area: String?, destination: Destination) {
        self.service = service
        self.area = area
        self.destination = destination
    }
}

/// service x area -> queue, decided when a ticket is created. Anything it cannot place goes to the
/// municipal triage queue, never nowhere.
public struct RoutingTable: Sendable, Equatable {
    public var rules: [RoutingRule]
    public var triage: Destination

    public init(rules: [RoutingRule], triage: Destination) {
        self.rules = rules
        self.triage = triage
    }

    /// A rule for the exact area wins over a service-wide rule; no rule means triage.
    public func route(service: String, area: String) -> Destination {
        if let exact = rules.first(where: { $0.service == service && $0.area == area }) {
            return exact.destination
        }
        if let wide = rules.first(where: { $0.service == service && $0.area == nil }) {
            return wide.destination
        }
        return triage
    }
}
