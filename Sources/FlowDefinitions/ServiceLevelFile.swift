import Domain
import Foundation
import Yams

/// Reads the service-level parts of `menus/catalogue.yaml`: each MOE's `working_hours`, each
/// service's (and fault type's) targets, and `public_holidays`.
extension YAMLFile {
    static let weekdays = ["sun": 1, "mon": 2, "tue": 3, "wed": 4, "thu": 5, "fri": 6, "sat": 7]

    /// `{ mon-fri: "07:30-16:30", sat: "08:00-12:00" }`; office hours when absent.
    func workingHours(_ node: Node?, _ place: String) -> WorkingHours {
        guard let node else { return .officeHours }
        var days: [Int: Range<Int>] = [:]
        for (key, keyNode, value) in pairs(node, "\(place) working_hours") {
            let ends = key.lowercased().split(separator: "-").map { Self.weekdays[String($0)] }
            guard (1...2).contains(ends.count), let first = ends.first ?? nil, let last = ends.last ?? nil, first <= last else {
                report(keyNode, "\(place) working_hours", "'\(key)' is not a day or a range of days (mon, tue, ..., sun; mon-fri)")
                continue
            }
            guard let text = value.string, let minutes = Self.minutes(text) else {
                report(value, "\(place) working_hours \(key)", "hours must be written HH:MM-HH:MM, opening before closing, within one day")
                continue
            }
            for day in first...last {
                if days[day] != nil { report(keyNode, "\(place) working_hours", "'\(key)' repeats a day") }
                days[day] = minutes
            }
        }
        if days.isEmpty { report(node, "\(place) working_hours", "names no working day") }
        return WorkingHours(days: days)
    }

    /// "07:30-16:30" as minutes after midnight.
    static func minutes(_ text: String) -> Range<Int>? {
        let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces).split(separator: ":") }
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }) else { return nil }
        let values = parts.map { p -> Int? in
            guard let h = Int(p[0]), let m = Int(p[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 else { return nil }
            return h * 60 + m
        }
        guard let open = values[0], let close = values[1], open < close else { return nil }
        return open..<close
    }

    /// `acknowledge_hours`, `resolve_hours` (or the older `sla_hours`), `calendar`,
    /// `reroute_restarts_clock`, over `base` (what the service says, for a fault type).
    func serviceLevel(_ node: Node, _ place: String, base: ServiceLevel?) -> ServiceLevel {
        var level = base ?? ServiceLevel(resolveHours: 72)
        func hours(_ key: String) -> Int? {
            guard let value = node[key] else { return nil }
            guard let h = value.int, (1...8760).contains(h) else {
                report(value, place, "\(key) must be a whole number of hours from 1 to 8760")
                return nil
            }
            return h
        }
        if let h = hours("resolve_hours") ?? hours("sla_hours") { level.resolveHours = h }
        if let h = hours("acknowledge_hours") { level.acknowledgeHours = h }
        if let ack = level.acknowledgeHours, ack > level.resolveHours {
            report(node, place, "acknowledge_hours (\(ack)) is longer than resolve_hours (\(level.resolveHours))")
        }
        if let value = node["calendar"] {
            if let c = value.string.flatMap(ServiceCalendar.init(rawValue:)) { level.calendar = c } else {
                report(value, place, "calendar must be 24x7 or business")
            }
        }
        if let value = node["reroute_restarts_clock"] {
            if let b = value.bool { level.restartsOnReroute = b } else { report(value, place, "reroute_restarts_clock must be true or false") }
        }
        return level
    }

    /// `fault_levels: { burst_pipe: { resolve_hours: 24 } }` for fault types of the service.
    func faultLevels(_ node: Node?, _ place: String, faults: [FaultType], base: ServiceLevel) -> [String: ServiceLevel] {
        var out: [String: ServiceLevel] = [:]
        for (fault, keyNode, value) in pairs(node, "\(place) fault_levels") {
            guard faults.contains(where: { $0.code == fault }) else {
                report(keyNode, "\(place) fault_levels", "'\(fault)' is not one of the service's fault types")
                continue
            }
            out[fault] = serviceLevel(value, "\(place) fault '\(fault)'", base: base)
        }
        return out
    }

    /// `public_holidays: { "2026-01-01": New Year's Day, ... }`.
    func publicHolidays(_ node: Node?) -> PublicHolidays {
        var dates = Set<String>()
        for (day, keyNode, value) in pairs(node, "public_holidays") {
            let parts = day.split(separator: "-").compactMap { Int($0) }
            guard day.count == 10, parts.count == 3, (1900...2200).contains(parts[0]), (1...12).contains(parts[1]), (1...31).contains(parts[2]) else {
                report(keyNode, "public_holidays", "'\(day)' is not a date written YYYY-MM-DD")
                continue
            }
            if value.string?.isEmpty ?? true { report(value, "public_holidays \(day)", "needs the holiday's name") }
            dates.insert(day)
        }
        return PublicHolidays(dates)
    }
}
