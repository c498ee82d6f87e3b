import Domain
import Foundation
import Testing

/// Public text (Open311, open data) never carries a phone number, an email address or an ID number.
@Suite struct PublicTextTests {
    @Test(arguments: [
        ("Call me on 082.123.4567 please", "Call me on [number removed] please"),
        ("Call 082 123 4567.", "Call [number removed]."),
        ("+27 82 123 4567 after 5", "[number removed] after 5"),
        ("(082) 123-4567", "[number removed]"),
        ("whatsapp 0821234567", "whatsapp [number removed]"),
        ("ID 8001015009087 lives here", "ID [number removed] lives here"),
        ("mail thandi.m+city@example.co.za today", "mail [email removed] today"),
        ("Burst pipe at 12 Vilakazi St since 2026-11-30", "Burst pipe at 12 Vilakazi St since 2026-11-30"),
        ("Opposite house 1234, stand 5678", "Opposite house 1234, stand 5678"),
        ("user@localhost is not an address", "user@localhost is not an address"),
    ])
    func personalDataIsMaskedAndPlacesAreKept(_ input: String, _ expected: String) {
        #expect(PublicText.scrub(input) == expected)
    }
}

@Suite struct MunicipalCalendarTests {
    let johannesburg = MunicipalCalendar()

    @Test func aDayIsTheMunicipalitysDay() {
        // 23:30 UTC on 29 November is 01:30 on 30 November in Johannesburg.
        let late = Date(timeIntervalSince1970: 1_795_995_000)
        #expect(johannesburg.day(late) == "2026-11-30")
        #expect(johannesburg.startOfDay(late) == Date(timeIntervalSince1970: 1_795_989_600))
        #expect(johannesburg.startOfNextDay(late).timeIntervalSince(johannesburg.startOfDay(late)) == 24 * 3600)
        let utc = MunicipalCalendar(identifier: "UTC")!
        #expect(utc.day(late) == "2026-11-29")
        #expect(MunicipalCalendar(identifier: "Mars/Olympus") == nil)
    }

    /// The calendar remembers the last day it worked out: moving between days, back and forth,
    /// and across a change of the clocks, every answer is still that date's own day.
    @Test func daysAreRightInAnyOrderAndWhereTheClocksChange() {
        let berlin = MunicipalCalendar(identifier: "Europe/Berlin")!
        // 2026-03-29: clocks go forward at 02:00 local, a day of 23 hours.
        let beforeShort = Date(timeIntervalSince1970: 1_774_699_200)  // 2026-03-28 12:00 UTC, 13:00 +01:00
        let onShort = Date(timeIntervalSince1970: 1_774_782_000)  // 2026-03-29 11:00 UTC, 13:00 +02:00
        for date in [beforeShort, onShort, beforeShort, onShort.addingTimeInterval(-12 * 3600), onShort] {
            let start = berlin.startOfDay(date), end = berlin.startOfNextDay(date)
            #expect(start <= date && date < end)
            #expect(berlin.day(start) == berlin.day(date) && berlin.day(end) != berlin.day(date))
        }
        #expect(berlin.startOfNextDay(onShort).timeIntervalSince(berlin.startOfDay(onShort)) == 23 * 3600)
        #expect(berlin.startOfNextDay(beforeShort).timeIntervalSince(berlin.startOfDay(beforeShort)) == 24 * 3600)
        #expect(berlin.startOfDay(onShort) == Date(timeIntervalSince1970: 1_774_738_800))  // 2026-03-28 23:00 UTC
    }

    @Test func workingHoursAreWeekdaysSevenToFive() {
        let monday9 = Date(timeIntervalSince1970: 1_796_022_000)  // 2026-11-30 09:00 +02:00
        #expect(johannesburg.isWorkingTime(monday9))
        #expect(!johannesburg.isWorkingTime(monday9.addingTimeInterval(9 * 3600)))  // 18:00
        #expect(!johannesburg.isWorkingTime(monday9.addingTimeInterval(-2 * 24 * 3600)))  // Saturday
    }
}
