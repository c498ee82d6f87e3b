import Foundation
import Synchronization

/// The municipality's own days and working hours (`CIVICGATE_TIME_ZONE`, read once in `main`):
/// what "per day" means for the abuse limits, and when a quiet inbound line is worth an alert.
public struct MunicipalCalendar: Sendable, Equatable {
    public let timeZone: TimeZone
    /// Working hours, local time: [start, end) hours of Monday to Friday.
    public var workingHours: Range<Int> = 7..<17

    /// The day asked about last: nearly every question in a day is about that day.
    private let lastDay = LastDay()

    public init(timeZone: TimeZone = TimeZone(identifier: "Africa/Johannesburg") ?? .gmt) {
        self.timeZone = timeZone
    }

    public static func == (a: Self, b: Self) -> Bool { a.timeZone == b.timeZone && a.workingHours == b.workingHours }

    /// A zone by its IANA name (`Africa/Johannesburg`), or nil if there is no such zone.
    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(timeZone: zone)
    }

    var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        return c
    }

    /// Local midnight at the start of the day `date` falls in.
    public func startOfDay(_ date: Date) -> Date { day(of: date).start }

    /// Local midnight at the end of that day (the start of the next).
    public func startOfNextDay(_ date: Date) -> Date { day(of: date).end }

    /// The local day `date` falls in, [midnight, next midnight): 23 or 25 hours long where the
    /// clocks change.
    func day(of date: Date) -> DateInterval {
        if let known = lastDay.interval.withLock({ $0 }), known.start <= date, date < known.end { return known }
        let start = calendar.startOfDay(for: date)
        let day = DateInterval(start: start, end: calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(24 * 3600))
        lastDay.interval.withLock { $0 = day }
        return day
    }

    /// Monday to Friday within `workingHours`.
    public func isWorkingTime(_ date: Date) -> Bool {
        let c = calendar.dateComponents([.weekday, .hour], from: date)
        guard let weekday = c.weekday, let hour = c.hour else { return false }
        return (2...6).contains(weekday) && workingHours.contains(hour)
    }

    /// Local midnight at the start of a day written `YYYY-MM-DD`; nil for anything else.
    public func date(ofDay text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1900...2200).contains(y), (1...12).contains(m), (1...31).contains(d) else { return nil }
        let components = DateComponents(year: y, month: m, day: d)
        guard components.isValidDate(in: calendar), let date = calendar.date(from: components) else { return nil }
        return date
    }

    /// `YYYY-MM-DD HH:MM`, local time: when a fault is expected to be fixed.
    public func moment(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// A local time written `YYYY-MM-DD HH:MM` or `YYYY-MM-DDTHH:MM` (a browser's datetime-local); nil for anything else.
    public func date(ofMoment text: String) -> Date? {
        guard text.count == 16, let day = date(ofDay: String(text.prefix(10))), [" ", "T"].contains(text[text.index(text.startIndex, offsetBy: 10)]) else { return nil }
        let clock = text.suffix(5).split(separator: ":")
        guard clock.count == 2, let h = Int(clock[0]), let m = Int(clock[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        return calendar.date(byAdding: DateComponents(hour: h, minute: m), to: day)
    }

    /// `YYYY-MM-DD` of the local day.
    public func day(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }
}

extension MunicipalCalendar {
    /// The local day of `date` as a whole number: days since 1970-01-01 (the daily rollups' key).
    public func dayNumber(_ date: Date) -> Int {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return Self.dayNumber(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1)
    }

    /// Local midnight at the start of day number `n`.
    public func start(ofDayNumber n: Int) -> Date {
        let (y, m, d) = Self.civil(n)
        return calendar.date(from: DateComponents(year: y, month: m, day: d)) ?? Date(timeIntervalSince1970: Double(n) * 86400)
    }

    /// `YYYY-MM-DD` of day number `n`.
    public func day(number n: Int) -> String {
        let (y, m, d) = Self.civil(n)
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's algorithm).
    static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The year, month and day of a day number.
    static func civil(_ n: Int) -> (Int, Int, Int) {
        let z = n + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }
}

/// `MunicipalCalendar`'s memory of the last day it worked out (shared by its copies).
final class LastDay: Sendable {
    let interval = Mutex<DateInterval?>(nil)
}
