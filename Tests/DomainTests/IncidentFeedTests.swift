import Domain
import Foundation
import Testing
import TestSupport

/// The calendar feed's text: RFC 5545's escaping and folding, UTC times, and what it shows.
@Suite struct IncidentFeedTests {
    let catalogue = try! shippedDefinitions().catalogue
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test func textIsEscapedAndLinesAreFoldedAt75OctetsBetweenCharacters() {
        #expect(ICalendarText.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne")
        let long = "DESCRIPTION:" + String(repeating: "š", count: 60)  // two octets each
        let folded = ICalendarText.fold(long)
        let lines = folded.components(separatedBy: "\r\n")
        #expect(lines.count > 1 && lines.allSatisfy { $0.utf8.count <= 75 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(lines.enumerated().map { $0.offset == 0 ? $0.element : String($0.element.dropFirst()) }.joined() == long, "unfolding gives the line back")
        #expect(ICalendarText.utc(Date(timeIntervalSince1970: 0)) == "19700101T000000Z")
    }

    @Test func theFeedShowsOpenAndRecentlyClosedWithCancelledOnesMarked() {
        func incident(_ id: Int64, open: Bool, start: TimeInterval?, closed: TimeInterval? = nil, area: String = "soweto", service: String = "water") -> Incident {
            Incident(id: id, moe: service, service: service, faults: [], areas: [area], description: "Call 0821234567 for the work",
                     expectedAt: now.addingTimeInterval((start ?? 0) + 7200), isOpen: open, createdAt: now.addingTimeInterval(-86400),
                     updatedAt: now, startsAt: start.map(now.addingTimeInterval), closedAt: closed.map(now.addingTimeInterval), sequence: 2)
        }
        let all = [incident(1, open: true, start: 86400), incident(2, open: true, start: nil, area: "midrand", service: "electricity"),
                   incident(3, open: false, start: 86400, closed: -3600), incident(4, open: false, start: nil, closed: -8 * 86400)]
        let feed = IncidentFeed(catalogue: catalogue, serviceName: { $0.capitalized }, now: now)
        let entries = feed.entries(all, area: nil, service: nil)
        #expect(entries.map(\.id) == [2, 1, 3], "closed over a week ago is gone; in start order")
        #expect(entries.first { $0.id == 3 }?.status == "CANCELLED" && entries.first { $0.id == 1 }?.status == "CONFIRMED")
        #expect(entries.allSatisfy { !$0.description.contains("0821234567") }, "descriptions go through the public-text scrubber")
        #expect(feed.entries(all, area: "midrand", service: nil).map(\.id) == [2])
        #expect(feed.entries(all, area: nil, service: "water").map(\.id) == [1, 3])
        let text = feed.calendar(entries, name: "Planned works")
        #expect(text.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") && text.hasSuffix("END:VCALENDAR\r\n"))
        #expect(text.components(separatedBy: "BEGIN:VEVENT").count == 4)
        #expect(text.contains("UID:incident-1@civicgate\r\n") && text.contains("SEQUENCE:2\r\n") && text.contains("STATUS:CANCELLED\r\n"))
        #expect(text.contains("DTSTART:\(ICalendarText.utc(now.addingTimeInterval(86400)))\r\n"))
        #expect(text.contains("DTEND:\(ICalendarText.utc(now.addingTimeInterval(86400 + 7200)))\r\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "every line ends in CRLF")
    }
}
