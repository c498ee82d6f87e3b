import Foundation

/// One received ticket as the indicators see it (definitions in docs/indicators.md).
public struct IndicatorTicket: Sendable, Equatable {
    public var createdAt: Date
    /// The first change that took it out of `new` (acknowledged, assigned, in progress, ...).
    public var acknowledgedAt: Date?
    /// The first time it was resolved (or closed without being resolved first).
    public var resolvedAt: Date?
    public var acknowledgeDueAt: Date?
    public var dueAt: Date?
    public var reopened: Bool
    /// Survey ratings 1-5 given for it (0, "not fixed", counts in `reopened` instead).
    public var ratings: [Int]
    /// Closed as a duplicate (resolved with the ticket it joined) or rejected (not a municipal
    /// fault): left out of the resolution figures.
    public var closedWithoutResolution: Bool
    /// When it last entered a closed status (resolved, closed, duplicate, rejected); nil while open.
    public var closedAt: Date?
    /// Where it came from and what it is about, for the dashboard's breakdowns.
    public var channel = ""
    /// Residents added to it since ("Add me to it"): reports that made no ticket of their own.
    public var addedReports = 0
    public var service = ""
    public var area = ""
    public var moe = ""

    public init(createdAt: Date, acknowledgedAt: Date?, resolvedAt: Date?, acknowledgeDueAt: Date?, dueAt: Date?, reopened: Bool, ratings: [Int],
                closedWithoutResolution: Bool = false, closedAt: Date? = nil) {
        self.closedAt = closedAt
        self.closedWithoutResolution = closedWithoutResolution
        self.createdAt = createdAt
        self.acknowledgedAt = acknowledgedAt
        self.resolvedAt = resolvedAt
        self.acknowledgeDueAt = acknowledgeDueAt
        self.dueAt = dueAt
        self.reopened = reopened
        self.ratings = ratings
    }
}

/// MFMA Circular 88-style indicators for the tickets received in a period.
public struct Indicators: Sendable, Equatable, Codable {
    public var received = 0
    /// Reports added to these tickets by residents who said theirs was the same fault: demand
    /// beyond `received`, which the queue does not show.
    public var reportsAdded = 0
    public var acknowledged = 0
    public var resolved = 0
    public var reopened = 0
    public var medianHoursToAcknowledge: Double?
    public var medianHoursToResolve: Double?
    public var p90HoursToResolve: Double?
    public var acknowledgedWithinTargetPct: Double?
    public var resolvedWithinTargetPct: Double?
    public var satisfactionMean: Double?
    public var satisfactionResponses = 0

    enum CodingKeys: String, CodingKey {
        case received, acknowledged, resolved, reopened
        case reportsAdded = "reports_added"
        case medianHoursToAcknowledge = "median_hours_to_acknowledge"
        case medianHoursToResolve = "median_hours_to_resolve"
        case p90HoursToResolve = "p90_hours_to_resolve"
        case acknowledgedWithinTargetPct = "acknowledged_within_target_pct"
        case resolvedWithinTargetPct = "resolved_within_target_pct"
        case satisfactionMean = "satisfaction_mean"
        case satisfactionResponses = "satisfaction_responses"
    }

    public init() {}

    /// Every figure is present; one that cannot be worked out (no tickets to measure) is `null`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(received, forKey: .received)
        try c.encode(reportsAdded, forKey: .reportsAdded)
        try c.encode(acknowledged, forKey: .acknowledged)
        try c.encode(resolved, forKey: .resolved)
        try c.encode(reopened, forKey: .reopened)
        try c.encode(medianHoursToAcknowledge, forKey: .medianHoursToAcknowledge)
        try c.encode(medianHoursToResolve, forKey: .medianHoursToResolve)
        try c.encode(p90HoursToResolve, forKey: .p90HoursToResolve)
        try c.encode(acknowledgedWithinTargetPct, forKey: .acknowledgedWithinTargetPct)
        try c.encode(resolvedWithinTargetPct, forKey: .resolvedWithinTargetPct)
        try c.encode(satisfactionMean, forKey: .satisfactionMean)
        try c.encode(satisfactionResponses, forKey: .satisfactionResponses)
    }

    /// The figures at `now`. Durations are counted in whole minutes and reported in hours with
    /// two decimals; a percentage counts only tickets whose outcome is known (done, or past the
    /// target), so a ticket still inside its target is neither a success nor a failure yet.
    public init(_ tickets: [IndicatorTicket], now: Date) {
        received = tickets.count
        reportsAdded = tickets.reduce(0) { $0 + $1.addedReports }
        let toAcknowledge = tickets.compactMap { t in t.acknowledgedAt.map { Self.minutes(t.createdAt, $0) } }
        let resolvable = tickets.filter { !$0.closedWithoutResolution }
        let toResolve = resolvable.compactMap { t in t.resolvedAt.map { Self.minutes(t.createdAt, $0) } }
        acknowledged = toAcknowledge.count
        resolved = toResolve.count
        reopened = tickets.filter(\.reopened).count
        medianHoursToAcknowledge = Self.percentile(toAcknowledge, 50).map(Self.hours)
        medianHoursToResolve = Self.percentile(toResolve, 50).map(Self.hours)
        p90HoursToResolve = Self.percentile(toResolve, 90).map(Self.hours)
        acknowledgedWithinTargetPct = Self.withinTarget(tickets.map { ($0.acknowledgedAt, $0.acknowledgeDueAt) }, now: now)
        resolvedWithinTargetPct = Self.withinTarget(resolvable.map { ($0.resolvedAt, $0.dueAt) }, now: now)
        let ratings = tickets.flatMap(\.ratings).filter { (1...5).contains($0) }
        satisfactionResponses = ratings.count
        satisfactionMean = ratings.isEmpty ? nil : Self.round(Double(ratings.reduce(0, +)) / Double(ratings.count))
    }

    static func minutes(_ from: Date, _ to: Date) -> Int { max(0, Int(to.timeIntervalSince(from) / 60)) }
    static func hours(_ minutes: Double) -> Double { round(minutes / 60) }
    static func round(_ x: Double) -> Double { (x * 100).rounded() / 100 }

    /// The nearest-rank percentile (the value at rank ceil(p/100 × n)); the median of an even
    /// count is the mean of the two middle values.
    static func percentile(_ values: [Int], _ p: Int) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        if p == 50 {
            let n = sorted.count
            return n % 2 == 1 ? Double(sorted[n / 2]) : Double(sorted[n / 2 - 1] + sorted[n / 2]) / 2
        }
        let rank = Int((Double(p) / 100 * Double(sorted.count)).rounded(.up))
        return Double(sorted[max(0, min(sorted.count - 1, rank - 1))])
    }

    static func withinTarget(_ pairs: [(done: Date?, target: Date?)], now: Date) -> Double? {
        var known = 0, within = 0
        for (done, target) in pairs {
            guard let target else { continue }
            if let done {
                known += 1
                if done <= target { within += 1 }
            } else if target < now {
                known += 1
            }
        }
        return known == 0 ? nil : round(Double(within) * 100 / Double(known))
    }
}
