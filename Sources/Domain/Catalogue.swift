/// A municipality-owned entity: the water utility, the power utility, ...
public struct MOE: Sendable, Equatable, Codable {
    public var code: String
    public var queues: [String]
    public init(code: String, queues: [String]) {
        self.code = code
        self.queues = queues
    }
}

/// A kind of fault within a service.
public struct FaultType: Sendable, Equatable, Codable {
    public var code: String
    public init(code: String) { self.code = code }
}

/// A service residents can report on (water, electricity, ...), owned by one MOE.
public struct ServiceCategory: Sendable, Equatable, Codable {
    public var code: String
    public var moe: String
    /// The queue used when no routing rule names one for the area.
    public var defaultQueue: String
    public var faults: [FaultType]
    /// Hours from report to the promised fix: past it, an open ticket is overdue.
    public var slaHours: Int
    public init(code: String, moe: String, defaultQueue: String, faults: [FaultType], slaHours: Int = 72) {
        self.slaHours = slaHours
        self.code = code
        self.moe = moe
        self.defaultQueue = defaultQueue
        self.faults = faults
    }
}

/// A suburb or ward a resident can pick.
public struct Area: Sendable, Equatable, Codable {
    public var code: String
    /// Shown as is in every language: place names are not translated.
    public var name: String
    public init(code: String, name: String) {
        self.code = code
        self.name = name
    }
}

/// Everything residents can report, and who deals with it.
public struct ServiceCatalogue: Sendable, Equatable {
    public var moes: [MOE]
    public var services: [ServiceCategory]
    public var areas: [Area]
    public var routing: RoutingTable

    public init(moes: [MOE], services: [ServiceCategory], areas: [Area], routing: RoutingTable) {
        self.moes = moes
        self.services = services
        self.areas = areas
        self.routing = routing
    }

    public func service(_ code: String) -> ServiceCategory? { services.first { $0.code == code } }
    public func area(_ code: String) -> Area? { areas.first { $0.code == code } }
    public func moe(_ code: String) -> MOE? { moes.first { $0.code == code } }
    /// Service code -> hours from report to the promised fix.
    /// The promise to resolve a ticket of a service missing from the catalogue.
    public static let defaultSLAHours = 72

    public var slaHours: [String: Int] { Dictionary(services.map { ($0.code, $0.slaHours) }, uniquingKeysWith: { a, _ in a }) }
}
