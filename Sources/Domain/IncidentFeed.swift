import Foundation

/// Planned works and incidents as the public reads them (`/open-data/planned-works.ics`,
/// `/open-data/incidents.json`): no personal data, descriptions through the public-text
/// scrubber, times in UTC.
public struct IncidentFeed: Sendable {
    /// How long closed ones stay in the feeds (cancelled works as `CANCELLED`).
    public static let keptAfterClosing: TimeInterval = 7 * 24 * 3600

    public let catalogue: ServiceCatalogue
    /// A service's name as shown (the default language's).
    public let serviceName: @Sendable (String) -> String
    public let now: Date

    public init(catalogue: ServiceCatalogue, serviceName: @escaping @Sendable (String) -> String, now: Date) {
        (self.catalogue, self.serviceName, self.now) = (catalogue, serviceName, now)
    }

    /// One entry of the feeds.
    public struct Entry: Sendable, Equatable, Encodable {
        public var id: Int64
        public var uid: String
        public var service: String
        public var service_name: String
        public var areas: [String]
        public var area_names: [String]
        public var summary: String
        public var description: String
        public var planned: Bool
        public var phase: String
        /// The iCalendar status: `CONFIRMED`, or `CANCELLED` for planned works called off.
        public var status: String
        public var starts_at: Date
        public var ends_at: Date
        public var expected_at: Date?
        public var closed_at: Date?
        public var updated_at: Date
        public var sequence: Int
    }

    /// `incidents` filtered by `area` and `service` codes (nil: all), in start order.
    public func entries(_ incidents: [Incident], area: String?, service: String?) -> [Entry] {
        incidents.filter { i in
            (area.map(i.areas.contains) ?? true) && (service.map { $0 == i.service } ?? true)
                && (i.isOpen || (i.closedAt ?? i.updatedAt) >= now.addingTimeInterval(-Self.keptAfterClosing))
        }.sorted { ($0.beginsAt, $0.id) < ($1.beginsAt, $1.id) }.map(entry)
    }

    func entry(_ i: Incident) -> Entry {
        let phase = i.phase(at: now)
        let start = i.beginsAt
        // An end after the start: the expected one, else when it closed, else an hour on.
        let end = [i.expectedAt, i.isOpen ? nil : i.closedAt].compactMap { $0 }.first { $0 > start } ?? start.addingTimeInterval(3600)
        let names = i.areas.map { catalogue.area($0)?.name ?? $0 }
        let service = serviceName(i.service)
        let what = phase == .cancelled ? "cancelled planned works" : i.isPlanned ? "planned works" : "fault"
        return Entry(id: i.id, uid: "incident-\(i.id)@civicgate", service: i.service, service_name: service, areas: i.areas, area_names: names,
                     summary: "\(service): \(what) in \(names.joined(separator: ", "))", description: PublicText.scrub(i.description),
                     planned: i.isPlanned, phase: phase.rawValue, status: phase == .cancelled ? "CANCELLED" : "CONFIRMED", starts_at: start,
                     ends_at: end, expected_at: i.expectedAt, closed_at: i.closedAt, updated_at: i.updatedAt, sequence: i.sequence)
    }

    /// The entries as an iCalendar (RFC 5545) text: CRLF line ends, lines folded at 75 octets.
    public func calendar(_ entries: [Entry], name: String) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//CivicGate//Planned works and incidents//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                     "X-WR-CALNAME:" + ICalendarText.escape(name), "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H"]
        for e in entries {
            lines += [
                "BEGIN:VEVENT",
                "UID:" + e.uid,
                "DTSTAMP:" + ICalendarText.utc(e.updated_at),
                "LAST-MODIFIED:" + ICalendarText.utc(e.updated_at),
                "DTSTART:" + ICalendarText.utc(e.starts_at),
                "DTEND:" + ICalendarText.utc(e.ends_at),
                "SUMMARY:" + ICalendarText.escape(e.summary),
                "LOCATION:" + ICalendarText.escape(e.area_names.joined(separator: ", ")),
                "DESCRIPTION:" + ICalendarText.escape(e.description),
                "CATEGORIES:" + ICalendarText.escape(e.service_name),
                "STATUS:" + e.status,
                "SEQUENCE:\(e.sequence)",
                "TRANSP:TRANSPARENT",
                "END:VEVENT",
            ]
        }
        lines.append("END:VCALENDAR")
        return lines.map(ICalendarText.fold).joined(separator: "\r\n") + "\r\n"
    }
}

/// The text rules of RFC 5545.
public enum ICalendarText {
    /// A TEXT value: backslash, semicolon, comma and line breaks escaped (§3.3.11).
    public static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n", "\r\n": out += "\\n"
            case "\r": break
            default: out.append(c)
            }
        }
        return out
    }

    /// A content line folded so that no line is longer than 75 octets, never inside a UTF-8
    /// character (§3.1): each continuation starts with one space.
    public static func fold(_ line: String) -> String {
        var out = "", count = 0
        for scalar in line.unicodeScalars {
            let size = String(scalar).utf8.count
            if count + size > 75 {
                out += "\r\n "
                count = 1
            }
            out.unicodeScalars.append(scalar)
            count += size
        }
        return out
    }

    /// A UTC date-time: `20261205T100000Z`.
    public static func utc(_ date: Date) -> String {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = .gmt
        let p = c.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", p.year ?? 0, p.month ?? 0, p.day ?? 0, p.hour ?? 0, p.minute ?? 0, p.second ?? 0)
    }
}
