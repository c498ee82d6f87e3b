import Domain
import Foundation

/// What the monitoring dashboard shows for a period, worked out from the daily rollup.
public struct DashboardFigures: Sendable, Equatable {
    public static let channels = ["ussd", "sms", "bulk", "open311", "console"]

    /// Each local day of the period with the tickets received that day by channel, and the open
    /// backlog at its end (nil for days still to come).
    public var days: [(day: String, byChannel: [String: Int], backlog: Int?)]
    /// Open tickets now by age (`OpenAges`).
    public var ages: [Int] = []
    /// The indicators per service (services with tickets only, in catalogue order), and overall.
    public var byService: [(service: String, indicators: Indicators)]
    /// The same per MOE and per area (in catalogue order, those with tickets only), without the
    /// medians and p90 (by service only, as Circular 88 asks): the counts and percentages.
    public var byMOE: [(key: String, indicators: Indicators)] = []
    public var byArea: [(key: String, indicators: Indicators)] = []
    public var total: Indicators

    /// - Parameters:
    ///   - rows: the rollup's rows of local days [fromDay, toDay);
    ///   - outside: the rows outside the period that `DailyFigureStore.figuresOutside` gives.
    public init(_ rows: [DayFigures], outside: [BacklogRow], fromDay: Int, toDay: Int, services: [String], calendar: MunicipalCalendar,
                now: Date, moes: [String] = [], areas: [String] = []) {
        var counts: [Int: [String: Int]] = [:]
        // The backlog: +1 on the day a ticket is received, -1 on the day it last closed.
        var change: [Int: Int] = [:], backlog = 0
        for row in rows where row.day >= fromDay && row.day < toDay { counts[row.day, default: [:]].merge(row.received, uniquingKeysWith: +) }
        let all = rows.map(BacklogRow.init) + outside
        for row in all {
            if row.day < fromDay { backlog += row.received } else { change[row.day, default: 0] += row.received }
            for (day, n) in row.closedOn.counts { if day < fromDay { backlog -= n } else { change[day, default: 0] -= n } }
        }
        let today = calendar.dayNumber(now)
        days = (fromDay..<max(fromDay, min(toDay, fromDay + 400))).map { d in
            backlog += change[d] ?? 0
            return (calendar.day(number: d), counts[d] ?? [:], d <= today ? backlog : nil)
        }
        ages = OpenAges.count(all, today: today)
        // Each row is merged once per breakdown; the total is made of the services' sums.
        let perService = DayFigures.merged(rows, by: \.service)
        byService = services.compactMap { s in perService[s].map { (s, Indicators(merged: $0, now: now)) } }
        let perMOE = DayFigures.merged(rows, by: \.moe, durations: false), perArea = DayFigures.merged(rows, by: \.area, durations: false)
        byMOE = moes.compactMap { m in perMOE[m].map { (m, Indicators(merged: $0, now: now)) } }
        byArea = areas.compactMap { a in perArea[a].map { (a, Indicators(merged: $0, now: now)) } }
        total = Indicators(merged: DayFigures.merged(perService.values), now: now)
    }

    public static func == (a: DashboardFigures, b: DashboardFigures) -> Bool {
        a.days.map(\.day) == b.days.map(\.day) && a.days.map(\.byChannel) == b.days.map(\.byChannel) && a.days.map(\.backlog) == b.days.map(\.backlog)
            && a.ages == b.ages
            && a.byService.map(\.service) == b.byService.map(\.service) && a.byService.map(\.indicators) == b.byService.map(\.indicators)
            && a.byMOE.map(\.key) == b.byMOE.map(\.key) && a.byArea.map(\.key) == b.byArea.map(\.key)
            && a.total == b.total
    }

    /// The Circular 88-style table as CSV, one row per service and a total.
    public func csv(serviceName: (String) -> String) -> String {
        var out = "service,received,acknowledged,resolved,reopened,median_hours_to_acknowledge,median_hours_to_resolve,p90_hours_to_resolve,"
            + "acknowledged_within_target_pct,resolved_within_target_pct,satisfaction_mean,satisfaction_responses,reports_added\r\n"
        func cell(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "" }
        func line(_ name: String, _ i: Indicators) -> String {
            [CSVCell.safe(name), "\(i.received)", "\(i.acknowledged)", "\(i.resolved)", "\(i.reopened)", cell(i.medianHoursToAcknowledge),
             cell(i.medianHoursToResolve), cell(i.p90HoursToResolve), cell(i.acknowledgedWithinTargetPct), cell(i.resolvedWithinTargetPct),
             cell(i.satisfactionMean), "\(i.satisfactionResponses)", "\(i.reportsAdded)"].joined(separator: ",") + "\r\n"
        }
        for (service, i) in byService { out += line(serviceName(service), i) }
        return out + line("All services", total)
    }
}

/// A CSV cell: quoted when it must be, and never something a spreadsheet would run as a formula.
public enum CSVCell {
    public static func safe(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        guard value.contains(where: { ",\"\r\n".contains($0) }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
