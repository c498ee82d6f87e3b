import Foundation

/// One job given to a crew, as the field indicators count it.
public struct FieldRecord: Sendable, Equatable {
    /// When it was (last) given to a crew.
    public var assignedAt: Date
    /// When that crew said it was on site, if it did.
    public var onSiteAt: Date?
    /// When it was first resolved after being given to the crew.
    public var fixedAt: Date?
    /// A crew could not fix it at some visit, or a reporter said it was not fixed.
    public var revisited: Bool

    public init(assignedAt: Date, onSiteAt: Date?, fixedAt: Date?, revisited: Bool) {
        (self.assignedAt, self.onSiteAt, self.fixedAt, self.revisited) = (assignedAt, onSiteAt, fixedAt, revisited)
    }
}

/// The field crews' work on the jobs given to them in a period (docs/indicators.md): how soon a
/// crew is on site, how long it takes from site to fixed, and how many are fixed at the first visit.
public struct FieldFigures: Sendable, Equatable, Encodable {
    public var assigned: Int
    public var fixed: Int
    public var medianHoursToSite: Double?
    public var medianHoursSiteToFixed: Double?
    /// Of the jobs fixed, those with no "cannot fix" and not reopened.
    public var fixedFirstVisitPct: Double?

    enum CodingKeys: String, CodingKey {
        case assigned, fixed
        case medianHoursToSite = "median_hours_assigned_to_site"
        case medianHoursSiteToFixed = "median_hours_site_to_fixed"
        case fixedFirstVisitPct = "fixed_first_visit_pct"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(assigned, forKey: .assigned)
        try c.encode(fixed, forKey: .fixed)
        try c.encode(medianHoursToSite, forKey: .medianHoursToSite)
        try c.encode(medianHoursSiteToFixed, forKey: .medianHoursSiteToFixed)
        try c.encode(fixedFirstVisitPct, forKey: .fixedFirstVisitPct)
    }

    public init(_ records: [FieldRecord]) {
        assigned = records.count
        let done = records.filter { $0.fixedAt != nil }
        fixed = done.count
        let toSite = records.compactMap { r in r.onSiteAt.map { Indicators.minutes(r.assignedAt, $0) } }
        let siteToFixed = records.compactMap { r -> Int? in
            guard let site = r.onSiteAt, let fixed = r.fixedAt, fixed >= site else { return nil }
            return Indicators.minutes(site, fixed)
        }
        medianHoursToSite = Indicators.percentile(toSite, 50).map { Indicators.round($0 / 60) }
        medianHoursSiteToFixed = Indicators.percentile(siteToFixed, 50).map { Indicators.round($0 / 60) }
        fixedFirstVisitPct = done.isEmpty ? nil : Indicators.round(Double(done.filter { !$0.revisited }.count) * 100 / Double(done.count))
    }
}
