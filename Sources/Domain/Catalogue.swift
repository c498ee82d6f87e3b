import Foundation

/// A municipality-owned entity: the water utility, the power utility, ...
public struct MOE: Sendable, Equatable {
    public var code: String
    public var queues: [String]
    /// When its business-hours clocks run (office hours when the catalogue does not say).
    public var workingHours: WorkingHours
    public init(code: String, queues: [String], workingHours: WorkingHours = .officeHours) {
        self.code = code
        self.queues = queues
        self.workingHours = workingHours
    }
}

/// A kind of fault within a service.
public struct FaultType: Sendable, Equatable, Codable {
    public var code: String
    public init(code: String) { self.code = code }
}

/// A service residents can report on (water, electricity, ...), owned by one MOE.
public struct ServiceCategory: Sendable, Equatable {
    public var code: String
    public var moe: String
    /// The queue used when no routing rule names one for the area.
    public var defaultQueue: String
    public var faults: [FaultType]
    /// The promise to acknowledge and to resolve; past it, an open ticket is overdue.
    public var level: ServiceLevel
    /// Fault code -> that fault type's own promise.
    public var faultLevels: [String: ServiceLevel]
    /// Fault codes whose tickets start urgent (a danger to life or health).
    public var urgentFaults: Set<String> = []
    /// How recent (days) and how near (metres) a report must be to an open ticket of this fault
    /// type ("default": the service's) to be a likely duplicate; which fault types are one fault.
    public var duplicateDays: [String: Double] = [:]
    public var duplicateMetres: [String: Double] = [:]
    public var relatedFaults: [String: Set<String>] = [:]
    /// Hours from report to the promised fix.
    public var slaHours: Int { level.resolveHours }
    public init(code: String, moe: String, defaultQueue: String, faults: [FaultType], slaHours: Int = 72) {
        self.init(code: code, moe: moe, defaultQueue: defaultQueue, faults: faults, level: ServiceLevel(resolveHours: slaHours))
    }
    public init(code: String, moe: String, defaultQueue: String, faults: [FaultType], level: ServiceLevel, faultLevels: [String: ServiceLevel] = [:]) {
        self.code = code
        self.moe = moe
        self.defaultQueue = defaultQueue
        self.faults = faults
        self.level = level
        self.faultLevels = faultLevels
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
    public var holidays: PublicHolidays

    public init(moes: [MOE], services: [ServiceCategory], areas: [Area], routing: RoutingTable, holidays: PublicHolidays = .none) {
        self.moes = moes
        self.services = services
        self.areas = areas
        self.routing = routing
        self.holidays = holidays
    }

    /// How soon a new report of this service and fault needs a crew.
    public func priority(service: String, fault: String?) -> TicketPriority {
        guard let fault, let s = services.first(where: { $0.code == service }), s.urgentFaults.contains(fault) else { return .normal }
        return .urgent
    }

    /// The promises of every service on the municipality's calendar in `timeZone`.
    public func serviceLevels(timeZone: TimeZone) -> ServiceLevels {
        var faultLevels: [String: ServiceLevel] = [:]
        for service in services {
            for (fault, level) in service.faultLevels { faultLevels["\(service.code).\(fault)"] = level }
        }
        var levels = ServiceLevels(levels: Dictionary(services.map { ($0.code, $0.level) }, uniquingKeysWith: { a, _ in a }), faultLevels: faultLevels,
                                   workingHours: Dictionary(moes.map { ($0.code, $0.workingHours) }, uniquingKeysWith: { a, _ in a }),
                                   holidays: holidays, timeZone: timeZone)
        levels.triageMOE = routing.triage.moe
        return levels
    }

    /// The likely-duplicate rule with every service's windows, distances and related fault types.
    public var duplicateRules: DuplicateRules {
        var rules = DuplicateRules()
        for s in services {
            for (fault, days) in s.duplicateDays { rules.windows[fault == "default" ? s.code : "\(s.code).\(fault)"] = days * 86400 }
            for (fault, metres) in s.duplicateMetres { rules.distances[fault == "default" ? s.code : "\(s.code).\(fault)"] = metres }
            for (fault, others) in s.relatedFaults { rules.related["\(s.code).\(fault)"] = others }
        }
        return rules
    }

    public func service(_ code: String) -> ServiceCategory? { services.first { $0.code == code } }
    public func area(_ code: String) -> Area? { areas.first { $0.code == code } }
    public func moe(_ code: String) -> MOE? { moes.first { $0.code == code } }
    /// Service code -> hours from report to the promised fix.
    /// The promise to resolve a ticket of a service missing from the catalogue.
    public static let defaultSLAHours = 72

    public var slaHours: [String: Int] { Dictionary(services.map { ($0.code, $0.slaHours) }, uniquingKeysWith: { a, _ in a }) }
}
