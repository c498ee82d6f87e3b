import Foundation

/// Datetimes as Open311 wants them: ISO 8601 with the offset, in the municipality's time zone.
public enum Open311Dates {
    public static func format(_ date: Date, in timeZone: TimeZone) -> String {
        var style = Date.ISO8601FormatStyle(timeZone: timeZone)
        style = style.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .colon)
        return date.formatted(style)
    }

    public static func parse(_ text: String) -> Date? {
        let full = Date.ISO8601FormatStyle(includingFractionalSeconds: false)
        if let d = try? full.parse(text) { return d }
        if let d = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return d }
        if let d = try? Date.ISO8601FormatStyle().year().month().day().parse(text) { return d }
        return nil
    }
}
