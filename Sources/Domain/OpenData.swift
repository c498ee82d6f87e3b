import Foundation

/// One ticket as the open dataset publishes it: nothing about the person who reported it (no
/// number, name, address or words of theirs), its place only as an area.
public struct OpenDataRow: Sendable, Equatable {
    public var id: Int64
    /// The 9-digit reference as stored.
    public var reference: String
    public var service: String
    public var fault: String
    public var area: String
    public var moe: String
    public var channel: String
    public var status: String
    public var createdAt: Date
    public var acknowledgedAt: Date?
    public var resolvedAt: Date?
    public var acknowledgeDueAt: Date?
    public var dueAt: Date?

    public init(id: Int64, reference: String, service: String, fault: String, area: String, moe: String, channel: String, status: String,
                createdAt: Date, acknowledgedAt: Date?, resolvedAt: Date?, acknowledgeDueAt: Date?, dueAt: Date?) {
        (self.id, self.reference, self.service, self.fault, self.area, self.moe, self.channel) = (id, reference, service, fault, area, moe, channel)
        (self.status, self.createdAt, self.acknowledgedAt, self.resolvedAt) = (status, createdAt, acknowledgedAt, resolvedAt)
        (self.acknowledgeDueAt, self.dueAt) = (acknowledgeDueAt, dueAt)
    }
}

/// The open dataset's CSV (docs/open-data.md): one line per ticket, dates as local days.
public struct OpenDataCSV: Sendable {
    public static let header = "request_id,service,fault_type,moe,area,area_name,channel,status,reported_on,acknowledged_on,resolved_on,"
        + "acknowledged_within_target,resolved_within_target\r\n"

    let catalogue: ServiceCatalogue
    let calendar: MunicipalCalendar
    let now: Date

    public init(catalogue: ServiceCatalogue, calendar: MunicipalCalendar, now: Date) {
        (self.catalogue, self.calendar, self.now) = (catalogue, calendar, now)
    }

    public func line(_ r: OpenDataRow) -> String {
        let cells = [
            r.reference, r.service, r.fault, r.moe, r.area, catalogue.area(r.area)?.name ?? "", r.channel, r.status,
            calendar.day(r.createdAt), r.acknowledgedAt.map(calendar.day) ?? "", r.resolvedAt.map(calendar.day) ?? "",
            Self.within(r.acknowledgedAt, r.acknowledgeDueAt, now: now), Self.within(r.resolvedAt, r.dueAt, now: now),
        ]
        return cells.map(Self.quoted).joined(separator: ",") + "\r\n"
    }

    /// `yes` done by its target, `no` done late or not done past it, empty while it may still be met (or has no target).
    static func within(_ done: Date?, _ target: Date?, now: Date) -> String {
        guard let target else { return "" }
        if let done { return done <= target ? "yes" : "no" }
        return now > target ? "no" : ""
    }

    /// Codes and catalogue names only, but quoted all the same when a comma or quote turns up.
    static func quoted(_ value: String) -> String {
        guard value.contains(where: { ",\"\r\n".contains($0) }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
