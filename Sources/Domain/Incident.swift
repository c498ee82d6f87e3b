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
    /// Planned works: when they start (nil: a fault that has already happened).
    public var startsAt: Date?
    public var closedAt: Date?
    /// Bumped by every public update and the closing (the calendar feed's `SEQUENCE`).
    public var sequence: Int

    public init(id: Int64, moe: String, service: String, faults: [String], areas: [String], description: String, expectedAt: Date?,
                isOpen: Bool, createdAt: Date, updatedAt: Date, startsAt: Date? = nil, closedAt: Date? = nil, sequence: Int = 0) {
        (self.id, self.moe, self.service, self.faults, self.areas) = (id, moe, service, faults, areas)
        (self.description, self.expectedAt, self.isOpen, self.createdAt, self.updatedAt) = (description, expectedAt, isOpen, createdAt, updatedAt)
        (self.startsAt, self.closedAt, self.sequence) = (startsAt, closedAt, sequence)
    }

    public var isPlanned: Bool { startsAt != nil }

    /// When it began (or begins): the start of planned works, else when it was declared.
    public var beginsAt: Date { startsAt ?? createdAt }

    /// Whether a report of this service, fault and area, made at `now`, is about this incident;
    /// `fault` nil (not said) is any fault of the service. Planned works count once they start.
    public func covers(service: String, fault: String?, area: String, at now: Date) -> Bool {
        isOpen && beginsAt <= now && service == self.service && areas.contains(area) && (faults.isEmpty || fault.map(faults.contains) ?? true)
    }

    /// Where it stands at `now`.
    public func phase(at now: Date) -> IncidentPhase {
        if !isOpen { return startsAt.map { (closedAt ?? updatedAt) < $0 } == true ? .cancelled : .ended }
        if let startsAt, now < startsAt { return .announced }
        if let expectedAt, expectedAt <= now { return .overdue }
        return .current
    }
}

/// Planned works are *announced* before they start; an incident (or planned works under way) is
/// *current*, *overdue* past its expected end while still open, then *ended*; planned works
/// closed before they start are *cancelled*.
public enum IncidentPhase: String, Sendable, CaseIterable {
    case announced, current, overdue, ended, cancelled
}

/// What a declaration or a public update says; nil fields of an update stay as they were.
public struct IncidentDraft: Sendable, Equatable {
    public var service: String?
    public var faults: [String]?
    public var areas: [String]?
    public var description: String?
    public var expectedAt: Date?
    /// Planned works: their start (a declaration with it is planned; an update moves it).
    public var startsAt: Date?

    public init(service: String? = nil, faults: [String]? = nil, areas: [String]? = nil, description: String? = nil, expectedAt: Date? = nil,
                startsAt: Date? = nil) {
        (self.service, self.faults, self.areas, self.description, self.expectedAt) = (service, faults, areas, description, expectedAt)
        self.startsAt = startsAt
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
    case startInPast
    case endBeforeStart
    case tooFarAhead(String)
    case alreadyStarted
    case notPlanned

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
        case .startInPast: "starts_at must be in the future"
        case .endBeforeStart: "expected_at (the end) must be after starts_at"
        case .tooFarAhead(let field): "\(field) is more than a year ahead"
        case .alreadyStarted: "the planned works have started: their start cannot move"
        case .notPlanned: "starts_at applies to planned works only"
        }
    }
}

/// The rules of declaring, updating and closing, against the catalogue.
public enum IncidentRules {
    public static let maxDescription = 300
    public static let maxAreas = 100
    /// How far ahead planned works may start or end.
    public static let horizon: TimeInterval = 366 * 24 * 3600

    /// A new incident of `moe`: the service must be one of its own, the faults of that service,
    /// the areas known, a description given. Planned works (`planned`) need a start in the future
    /// and an end after it, both within a year.
    public static func declaration(_ d: IncidentDraft, moe: String, planned: Bool = false, catalogue: ServiceCatalogue,
                                   now: Date) -> Result<IncidentDraft, IncidentProblem> {
        if planned {
            guard let start = d.startsAt else { return .failure(.missing("starts_at")) }
            guard let end = d.expectedAt else { return .failure(.missing("expected_at")) }
            guard start > now else { return .failure(.startInPast) }
            guard end > start else { return .failure(.endBeforeStart) }
            guard end.timeIntervalSince(now) <= horizon else { return .failure(.tooFarAhead("expected_at")) }
        } else if d.startsAt != nil {
            return .failure(.notPlanned)
        }
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
    public static func update(_ d: IncidentDraft, of incident: Incident, catalogue: ServiceCatalogue, now: Date) -> Result<IncidentDraft, IncidentProblem> {
        guard incident.isOpen else { return .failure(.closed) }
        if let start = d.startsAt, start != incident.startsAt {
            guard let was = incident.startsAt else { return .failure(.notPlanned) }
            guard was > now else { return .failure(.alreadyStarted) }
            guard start > now else { return .failure(.startInPast) }
            guard start.timeIntervalSince(now) <= horizon else { return .failure(.tooFarAhead("starts_at")) }
        }
        if let start = d.startsAt ?? incident.startsAt, let end = d.expectedAt ?? incident.expectedAt, d.startsAt != nil || d.expectedAt != nil {
            guard end > start else { return .failure(.endBeforeStart) }
            guard end.timeIntervalSince(now) <= horizon else { return .failure(.tooFarAhead("expected_at")) }
        }
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
    /// covers it (planned works once started). `fault` nil (a one-line SMS report) is any fault of the service.
    public static func about(service: String, fault: String?, area: String, at now: Date, among incidents: [Incident]) -> Incident? {
        incidents.filter { $0.covers(service: service, fault: fault, area: area, at: now) }.max { ($0.beginsAt, $0.id) < ($1.beginsAt, $1.id) }
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
        after.startsAt = d.startsAt ?? incident.startsAt
        return after
    }
}
