import Domain
import Foundation
import Testing

/// Text that reaches the public never carries a phone number, an e-mail address or an ID number,
/// however it is spelt, and keeps the places, dates and times a crew or a resident needs.
@Suite struct PublicTextTests {
    static let n = PublicText.numberRemoved
    static let e = PublicText.emailRemoved

    /// Each line: what was written, what the public sees.
    static let removed: [(String, String)] = [
        ("Call me on 082.123.4567 please", "Call me on \(n) please"),
        ("Call 082 123 4567.", "Call \(n)."),
        ("+27 82 123 4567 after 5", "\(n) after 5"),
        ("(082) 123-4567", "\(n)"),
        ("whatsapp 0821234567", "whatsapp \(n)"),
        ("ID 8001015009087 lives here", "ID \(n) lives here"),
        ("Plumber Sipho Dlamini 082 987 6543", "Plumber Sipho Dlamini \(n)"),
        ("082*987*6543", "\(n)"),
        ("082,987,6543", "\(n)"),
        ("082_987_6543", "\(n)"),
        ("082:987:6543", "\(n)"),
        ("0:8:2:9:8:7:6:5:4:3", "\(n)"),
        ("08:29:87:65:43", "\(n)"),
        ("082#987#6543", "\(n)"),
        ("082~987~6543", "\(n)"),
        ("082|987|6543", "\(n)"),
        ("082 - 987 - 6543", "\(n)"),
        ("0 8 2 9 8 7 6 5 4 3", "\(n)"),
        ("082;987;6543", "\(n)"),
        ("082'987'6543", "\(n)"),
        ("*082*987*6543#", "*\(n)#"),
        ("０８２ ９８７ ６５４３", "\(n)"),
        ("call ０８２９８７６５４３ now", "call \(n) now"),
        ("٠٨٢٩٨٧٦٥٤٣", "\(n)"),
        ("०८२९८७६५४३", "\(n)"),
        ("＋27 82 987 6543", "\(n)"),
        ("tel:+27829876543", "tel:\(n)"),
        ("082 12:34 6543", "\(n)"),
        ("2026-12-01 0829876543", "2026-12-01 \(n)"),
        ("0829876543 at 14:00", "\(n) at 14:00"),
        ("82 987 6543", "\(n)"),
        ("27829876543", "\(n)"),
        ("phone0829876543", "phone\(n)"),
        ("mail thandi.m+city@example.co.za today", "mail \(e) today"),
        ("sipho@example.com", "\(e)"),
        ("Sipho.Dlamini@Example.COM.", "\(e)."),
        ("thabó@example.com", "\(e)"),
        ("zanele(at)example.com", "\(e)"),
        ("zanele (at) example.com", "\(e)"),
        ("zanele[at]example[dot]com", "\(e)"),
        ("zanele [at] example [dot] com", "\(e)"),
        ("zanele {at} example {dot} co {dot} za", "\(e)"),
        ("zanele <AT> example <DOT> org", "\(e)"),
        ("name at gmail dot com", "\(e)"),
        ("write to sipho.d at gmail dot com please", "write to \(e) please"),
        ("name AT gmail DOT com", "\(e)"),
        ("name at webmail.co.za", "\(e)"),
        ("name＠example．com", "\(e)"),
        ("x@y.africa then", "\(e) then"),
        ("Ntombi_99@mail.gov.za", "\(e)"),
        ("both 082 987 6543 and a@b.co", "both \(n) and \(e)"),
        ("ID: 800101 5009 087", "ID: \(n)"),
    ]

    static let kept: [String] = [
        "Burst pipe at 12 Vilakazi St since 2026-11-30",
        "Opposite house 1234, stand 5678",
        "user@localhost is not an address",
        "Water off 2026-12-01 14:00",
        "Crew from 08:00-16:00",
        "Back on 1 Dec 2026 14:00",
        "From 2026-12-01 08:00 to 2026-12-02 16:00",
        "Restored 01/12/2026 at 14:30",
        "Restored 1.12.2026 08:00:30",
        "Stand 12345 Ext 4",
        "Same fault as ref 393 753 400",
        "Meet at the corner of Main Rd and 5th Ave",
        "Leaking at 12 Main St. Please hurry",
        "Pothole at house.It is deep",
        "Eskom at Soweto dot depot",
        "Cable down at 4 Jan Smuts Ave, Rosebank",
        "12 and 14 Vilakazi St",
        "Pressure 2.5 bar at 10:15",
        "Job 42 of 2026",
        "Houses 12 to 20",
        "Zone 7, stage 2, 18:00-20:30",
        "Valve 3/4 inch",
    ]

    @Test(arguments: removed)
    func personalDataIsRemoved(_ input: String, _ expected: String) {
        #expect(PublicText.scrub(input) == expected)
    }

    @Test(arguments: kept)
    func placesDatesAndTimesAreKept(_ input: String) {
        #expect(PublicText.scrub(input) == input)
    }

    @Test func theTableIsLargeEnoughBothWays() {
        #expect(Self.removed.count + Self.kept.count >= 60)
        #expect(Self.removed.count >= 30 && Self.kept.count >= 20)
    }

    @Test func aReferenceWithAWrongCheckDigitIsANumber() throws {
        let valid = (0...9).map { "39375340\($0)" }.filter { (try? Reference(parsing: $0)) != nil }
        let wrong = (0...9).map { "39375340\($0)" }.filter { (try? Reference(parsing: $0)) == nil }
        let reference = try #require(valid.first.map { try Reference(parsing: $0) })
        let mistyped = try #require(wrong.first)
        #expect(PublicText.scrub("ref \(reference.grouped)") == "ref \(reference.grouped)")
        #expect(PublicText.scrub("ref 393 753 40\(mistyped.last!)") == "ref \(Self.n)")
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
