import Foundation

/// A known fault that many residents are reporting: a tripped substation, a burst main. Declared
/// by an MOE for one of its services in one or more areas, with a public description and an
/// expected restoration time; updated, extended to more areas, and closed.
public struct Incident: Sendable, Equatable {
    public var id: Int64
    public var moe: String
    public var service: String
    /// The fault types it covers; empty: every fault of the service.
    public var faults: [String]
    public var areas: [String]
    public var description: String
    public var expectedAt: Date?
    public var isOpen: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, moe: String, service: String, faults: [String], areas: [String], description: String, expectedAt: Date?,
                isOpen: Bool, createdAt: Date, updatedAt: Date) {
        (self.id, self.moe, self.service, self.faults, self.areas) = (id, moe, service, faults, areas)
        (self.description, self.expectedAt, self.isOpen, self.createdAt, self.updatedAt) = (description, expectedAt, isOpen, createdAt, updatedAt)
    }

    /// Whether a report of this service, fault and area is about this incident; `fault` nil (not
    /// said) is any fault of the service.
    public func covers(service: String, fault: String?, area: String) -> Bool {
        isOpen && service == self.service && areas.contains(area) && (faults.isEmpty || fault.map(faults.contains) ?? true)
    }
}

/// What a declaration or a public update says; nil fields of an update stay as they were.
public struct IncidentDraft: Sendable, Equatable {
    public var service: String?
    public var faults: [String]?
    public var areas: [String]?
    public var description: String?
    public var expectedAt: Date?

    public init(service: String? = nil, faults: [String]? = nil, areas: [String]? = nil, description: String? = nil, expectedAt: Date? = nil) {
        (self.service, self.faults, self.areas, self.description, self.expectedAt) = (service, faults, areas, description, expectedAt)
    }
}

/// Why a declaration, update or closing is refused, in words for the API's caller.
public enum IncidentProblem: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case unknownService(String)
    case notYourService(String)
    case unknownFault(String)
    case unknownArea(String)
    case areasOnlyGrow(String)
    case serviceIsFixed
    case tooLong(String, Int)
    case tooMany(String, Int)
    case closed

    public var description: String {
        switch self {
        case .missing(let field): "\(field) is required"
        case .unknownService(let s): "unknown service '\(s)'"
        case .notYourService(let s): "service '\(s)' belongs to another MOE"
        case .unknownFault(let f): "unknown fault type '\(f)' for this service"
        case .unknownArea(let a): "unknown area '\(a)'"
        case .areasOnlyGrow(let a): "an incident's areas can only be extended: '\(a)' is missing (close it and declare another instead)"
        case .serviceIsFixed: "an incident's service cannot change: close it and declare another"
        case .tooLong(let field, let n): "\(field) is longer than \(n) characters"
        case .tooMany(let field, let n): "more than \(n) \(field)"
        case .closed: "the incident is closed"
        }
    }
}

/// The rules of declaring, updating and closing, against the catalogue.
public enum IncidentRules {
    public static let maxDescription = 300
    public static let maxAreas = 100

    /// A new incident of `moe`: the service must be one of its own, the faults of that service,
    /// the areas known, a description given.
    public static func declaration(_ d: IncidentDraft, moe: String, catalogue: ServiceCatalogue) -> Result<IncidentDraft, IncidentProblem> {
        guard let code = d.service else { return .failure(.missing("service")) }
        guard let service = catalogue.service(code) else { return .failure(.unknownService(code)) }
        guard service.moe == moe else { return .failure(.notYourService(code)) }
        guard let areas = d.areas, !areas.isEmpty else { return .failure(.missing("areas")) }
        guard let text = d.description?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return .failure(.missing("description")) }
        var clean = d
        clean.description = text
        return check(clean, service: service, catalogue: catalogue)
    }

    /// A public update of `incident`: only open ones change, areas only grow, the service stays.
    public static func update(_ d: IncidentDraft, of incident: Incident, catalogue: ServiceCatalogue) -> Result<IncidentDraft, IncidentProblem> {
        guard incident.isOpen else { return .failure(.closed) }
        if let s = d.service, s != incident.service { return .failure(.serviceIsFixed) }
        guard let service = catalogue.service(incident.service) else { return .failure(.unknownService(incident.service)) }
        if let areas = d.areas, let dropped = incident.areas.first(where: { !areas.contains($0) }) { return .failure(.areasOnlyGrow(dropped)) }
        var clean = d
        clean.description = d.description?.trimmingCharacters(in: .whitespacesAndNewlines)
        if clean.description?.isEmpty == true { return .failure(.missing("description")) }
        return check(clean, service: service, catalogue: catalogue)
    }

    static func check(_ d: IncidentDraft, service: ServiceCategory, catalogue: ServiceCatalogue) -> Result<IncidentDraft, IncidentProblem> {
        var d = d
        if let faults = d.faults {
            if let bad = faults.first(where: { f in !service.faults.contains { $0.code == f } }) { return .failure(.unknownFault(bad)) }
            d.faults = Array(Set(faults)).sorted()
        }
        if let areas = d.areas {
            guard areas.count <= maxAreas else { return .failure(.tooMany("areas", maxAreas)) }
            if let bad = areas.first(where: { catalogue.area($0) == nil }) { return .failure(.unknownArea(bad)) }
            // In catalogue order, once each.
            d.areas = catalogue.areas.map(\.code).filter(areas.contains)
        }
        if let text = d.description, text.count > maxDescription { return .failure(.tooLong("description", maxDescription)) }
        return .success(d)
    }
}

/// What a resident is told of an incident: on a linked ticket's Track screen, in Open311's
/// `status_notes`, and when their report is about it.
public struct IncidentNotice: Sendable, Equatable {
    public var id: Int64
    public var description: String
    public var expectedAt: Date?
    public var isOpen: Bool

    public init(id: Int64, description: String, expectedAt: Date?, isOpen: Bool) {
        (self.id, self.description, self.expectedAt, self.isOpen) = (id, description, expectedAt, isOpen)
    }

    public init(_ incident: Incident) {
        self.init(id: incident.id, description: incident.description, expectedAt: incident.expectedAt, isOpen: incident.isOpen)
    }
}

extension Incident {
    /// The incident a report of this service, fault and area is about: the newest open one that
    /// covers it. `fault` nil (a one-line SMS report) is any fault of the service.
    public static func about(service: String, fault: String?, area: String, among incidents: [Incident]) -> Incident? {
        incidents.filter { $0.covers(service: service, fault: fault, area: area) }.max { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }
}

extension IncidentRules {
    /// The incident as a checked update leaves it (areas added, never removed), for the news of
    /// it; the store applies the same to what it holds.
    public static func applying(_ d: IncidentDraft, to incident: Incident) -> Incident {
        var after = incident
        after.faults = d.faults ?? incident.faults
        after.areas = incident.areas + (d.areas ?? []).filter { !incident.areas.contains($0) }
        after.description = d.description ?? incident.description
        after.expectedAt = d.expectedAt ?? incident.expectedAt
        return after
    }
}
