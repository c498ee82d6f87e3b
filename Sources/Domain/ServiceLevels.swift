import Foundation

/// Which hours a service-level clock counts.
public enum ServiceCalendar: String, Sendable, Equatable, Codable {
    /// Every hour of every day.
    case allHours = "24x7"
    /// Only the MOE's working hours, and never on a public holiday.
    case business
}

/// The promise for one service (or one fault type of it): hours to acknowledge and to resolve.
public struct ServiceLevel: Sendable, Equatable {
    public var acknowledgeHours: Int?
    public var resolveHours: Int
    public var calendar: ServiceCalendar
    /// A re-route to another MOE starts the clock again from the re-route (else it runs on).
    public var restartsOnReroute: Bool

    public init(acknowledgeHours: Int? = nil, resolveHours: Int, calendar: ServiceCalendar = .allHours, restartsOnReroute: Bool = false) {
        self.acknowledgeHours = acknowledgeHours
        self.resolveHours = resolveHours
        self.calendar = calendar
        self.restartsOnReroute = restartsOnReroute
    }
}

/// When an MOE works: minutes after local midnight, per weekday (1 = Sunday ... 7 = Saturday).
public struct WorkingHours: Sendable, Equatable {
    public var days: [Int: Range<Int>]

    public init(days: [Int: Range<Int>]) { self.days = days }

    /// Monday to Friday, 08:00 to 16:30: what most municipal offices keep.
    public static let officeHours = WorkingHours(days: Dictionary(uniqueKeysWithValues: (2...6).map { ($0, 480..<990) }))
}

/// South African public holidays, read from the catalogue (a year is added there, not in code).
/// Under the Public Holidays Act a holiday that falls on a Sunday makes the Monday a holiday too.
public struct PublicHolidays: Sendable, Equatable {
    /// `YYYY-MM-DD` of every listed holiday.
    public var dates: Set<String>

    public init(_ dates: Set<String>) { self.dates = dates }

    public static let none = PublicHolidays([])
}

/// Due dates on the municipality's calendar: the catalogue's promises, each MOE's working hours
/// and the public holidays, in the municipality's time zone.
public struct ServiceLevels: Sendable, Equatable {
    public var levels: [String: ServiceLevel]
    /// Service code + "." + fault code: a fault type's own promise, where it has one.
    public var faultLevels: [String: ServiceLevel]
    public var workingHours: [String: WorkingHours]
    public var holidays: PublicHolidays
    public var timeZone: TimeZone { didSet { localCalendar.timeZone = timeZone } }
    /// Gregorian in `timeZone`, made once: a ticket's due date walks it day by day.
    private(set) var localCalendar: Calendar
    /// The MOE of municipal triage, whose supervisors hear of level-2 escalations.
    public var triageMOE = "municipal"

    public init(levels: [String: ServiceLevel] = [:], faultLevels: [String: ServiceLevel] = [:], workingHours: [String: WorkingHours] = [:],
                holidays: PublicHolidays = .none, timeZone: TimeZone = TimeZone(identifier: "Africa/Johannesburg") ?? .gmt) {
        self.levels = levels
        self.faultLevels = faultLevels
        self.workingHours = workingHours
        self.holidays = holidays
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.localCalendar = calendar
    }

    /// The promise of a service missing from the catalogue.
    public static let fallback = ServiceLevel(resolveHours: 72)

    public func level(service: String, fault: String?) -> ServiceLevel {
        fault.flatMap { faultLevels["\(service).\($0)"] } ?? levels[service] ?? Self.fallback
    }

    /// When a ticket reported at `start` must be acknowledged and resolved.
    public func targets(service: String, fault: String?, moe: String, from start: Date) -> (acknowledge: Date?, resolve: Date) {
        let level = level(service: service, fault: fault)
        return (level.acknowledgeHours.map { add(hours: $0, to: start, calendar: level.calendar, moe: moe) },
                add(hours: level.resolveHours, to: start, calendar: level.calendar, moe: moe))
    }

    /// `start` plus `hours` counted on `calendar`.
    public func add(hours: Int, to start: Date, calendar: ServiceCalendar, moe: String) -> Date {
        add(seconds: TimeInterval(hours) * 3600, to: start, calendar: calendar, moe: moe)
    }

    /// `start` plus `seconds` counted on `calendar`: on `business`, only working time counts.
    public func add(seconds: TimeInterval, to start: Date, calendar: ServiceCalendar, moe: String) -> Date {
        guard calendar == .business, seconds > 0 else { return start.addingTimeInterval(max(0, seconds)) }
        var left = seconds
        var result = start
        walkWorkingTime(from: start, moe: moe) { open, close in
            let from = max(open, start)
            let available = close.timeIntervalSince(from)
            if available >= left {
                result = from.addingTimeInterval(left)
                return false
            }
            left -= available
            return true
        }
        return result
    }

    /// The time between two instants that `calendar` counts (for a clock paused in between).
    public func counted(from start: Date, to end: Date, calendar: ServiceCalendar, moe: String) -> TimeInterval {
        guard end > start else { return 0 }
        guard calendar == .business else { return end.timeIntervalSince(start) }
        var total: TimeInterval = 0
        walkWorkingTime(from: start, moe: moe) { open, close in
            guard open < end else { return false }
            total += min(close, end).timeIntervalSince(max(open, start))
            return close < end
        }
        return total
    }

    /// Whether `day` (local) is a public holiday, or the Monday after one that fell on a Sunday.
    public func isHoliday(_ day: Date) -> Bool {
        let c = localCalendar
        if holidays.dates.contains(Self.key(day, c)) { return true }
        guard c.component(.weekday, from: day) == 2, let sunday = c.date(byAdding: .day, value: -1, to: day) else { return false }
        return holidays.dates.contains(Self.key(sunday, c))
    }


    static func key(_ day: Date, _ c: Calendar) -> String {
        let d = c.dateComponents([.year, .month, .day], from: day)
        return String(format: "%04d-%02d-%02d", d.year ?? 0, d.month ?? 0, d.day ?? 0)
    }

    /// Calls `visit` with each working period (open, close) that ends after `start`, in order,
    /// while it returns true; gives up after ten years of days (an MOE with no working hours).
    func walkWorkingTime(from start: Date, moe: String, _ visit: (Date, Date) -> Bool) {
        let c = localCalendar
        let week = workingHours[moe] ?? .officeHours
        var day = c.startOfDay(for: start)
        for _ in 0..<3660 {
            if let minutes = week.days[c.component(.weekday, from: day)], !isHoliday(day) {
                let open = day.addingTimeInterval(TimeInterval(minutes.lowerBound) * 60)
                let close = day.addingTimeInterval(TimeInterval(minutes.upperBound) * 60)
                // A day on which the clocks change is a little off; the promise is in hours, not seconds.
                if close > start, !visit(open, close) { return }
            }
            guard let next = c.date(byAdding: .day, value: 1, to: day) else { return }
            day = next
        }
    }
}
