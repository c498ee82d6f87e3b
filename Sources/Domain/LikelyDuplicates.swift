import Foundation

/// An open ticket a new report may repeat, as the duplicate rule sees it.
public struct DuplicateCandidate: Sendable, Equatable {
    public var reference: Reference
    public var service: String
    /// nil or "unspecified": not said (an SMS one-liner).
    public var fault: String?
    /// "unknown": not said.
    public var area: String
    public var address: String
    public var location: GeoPoint?
    public var createdAt: Date
    public var status: TicketStatus

    public init(reference: Reference, service: String, fault: String?, area: String, address: String, location: GeoPoint?, createdAt: Date,
                status: TicketStatus) {
        (self.reference, self.service, self.fault, self.area, self.address) = (reference, service, fault, area, address)
        (self.location, self.createdAt, self.status) = (location, createdAt, status)
    }
}

/// How recent and how near a ticket must be to be the same fault, per service and fault type
/// (`menus/catalogue.yaml`), and which fault types count as one another's.
public struct DuplicateRules: Sendable, Equatable {
    /// "service.fault" or "service" -> seconds; otherwise `defaultWindow`.
    public var windows: [String: TimeInterval]
    public var defaultWindow: TimeInterval
    /// "service.fault" or "service" -> metres; otherwise `defaultDistance`.
    public var distances: [String: Double]
    public var defaultDistance: Double
    /// "service.fault" -> the fault types of that service that are the same fault to a resident.
    public var related: [String: Set<String>]

    public init(windows: [String: TimeInterval] = [:], defaultWindow: TimeInterval = 2 * 86400, distances: [String: Double] = [:],
                defaultDistance: Double = 50, related: [String: Set<String>] = [:]) {
        (self.windows, self.defaultWindow, self.distances, self.defaultDistance, self.related) = (windows, defaultWindow, distances, defaultDistance, related)
    }

    /// How recent a ticket must be to be the same fault as a report of this fault type (nil: not said).
    public func window(_ service: String, _ fault: String?) -> TimeInterval {
        guard let fault = Self.known(fault) else { return longestWindow(service) }
        return windowOf(service, fault)
    }

    func windowOf(_ service: String, _ fault: String?) -> TimeInterval {
        fault.flatMap { windows["\(service).\($0)"] } ?? windows[service] ?? defaultWindow
    }

    func distance(_ service: String, _ fault: String?) -> Double {
        fault.flatMap { distances["\(service).\($0)"] } ?? distances[service] ?? defaultDistance
    }

    /// The longest a report of this service may repeat a ticket: what to read.
    public func longestWindow(_ service: String) -> TimeInterval {
        windows.filter { $0.key == service || $0.key.hasPrefix(service + ".") }.values.reduce(defaultWindow, max)
    }

    public static func known(_ fault: String?) -> String? { fault == "unspecified" ? nil : fault }

    /// The same fault type, one the catalogue names as related, or one side did not say.
    func sameFault(_ service: String, _ a: String?, _ b: String?) -> Bool {
        guard let a = Self.known(a), let b = Self.known(b) else { return true }
        return a == b || related["\(service).\(a)"]?.contains(b) == true || related["\(service).\(b)"]?.contains(a) == true
    }
}

/// A likely duplicate and why: the same address in the same area, or `metres` apart.
public struct LikelyDuplicate: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        case samePlace
        case near(metres: Double)
    }

    public var ticket: DuplicateCandidate
    public var reason: Reason

    public init(ticket: DuplicateCandidate, reason: Reason) { (self.ticket, self.reason) = (ticket, reason) }

    public var metres: Double { if case .near(let m) = reason { m } else { 0 } }
}

extension DuplicateRules {
    /// The open tickets `report` likely repeats: the same service and fault (or related, or not
    /// said), within the fault type's window, and the same place in the same area or within the
    /// fault type's distance. At most `limit`, the closest first (the same address counts as 0 m),
    /// then the same fault type before a related one, then the newest.
    public func likelyDuplicates(of report: DuplicateCandidate, among candidates: [DuplicateCandidate], now: Date, limit: Int = 2) -> [LikelyDuplicate] {
        let place = ReportedPlace(report.address)
        // Each spelling read once: a storm's tickets mostly carry the same few.
        var places: [String: ReportedPlace] = [report.address: place]
        func placeOf(_ address: String) -> ReportedPlace {
            if let known = places[address] { return known }
            let read = ReportedPlace(address)
            places[address] = read
            return read
        }
        let found = candidates.compactMap { c -> LikelyDuplicate? in
            // The fault type that was said decides how recent and how near (the report's, else the ticket's).
            let fault = Self.known(report.fault) ?? Self.known(c.fault)
            guard c.reference != report.reference, c.status.isOpen, c.service == report.service, sameFault(report.service, report.fault, c.fault),
                  now.timeIntervalSince(c.createdAt) <= windowOf(report.service, fault) else { return nil }
            if let a = report.location, let b = c.location {
                let metres = a.distance(to: b)
                if metres <= distance(report.service, fault) { return LikelyDuplicate(ticket: c, reason: .near(metres: metres)) }
            }
            let sameArea = report.area == c.area || report.area == "unknown" || c.area == "unknown"
            return sameArea && place.isSame(as: placeOf(c.address)) ? LikelyDuplicate(ticket: c, reason: .samePlace) : nil
        }
        // Nearest first; at one distance the very fault the report names before a related one; then the newest.
        func other(_ d: LikelyDuplicate) -> Int { Self.known(d.ticket.fault) == Self.known(report.fault) ? 0 : 1 }
        return Array(found.sorted { ($0.metres, other($0), $1.ticket.createdAt) < ($1.metres, other($1), $0.ticket.createdAt) }.prefix(limit))
    }
}
