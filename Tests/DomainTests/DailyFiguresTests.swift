import Domain
import Foundation
import Testing

/// The daily rollup gives exactly the figures of the tickets it was made of.
@Suite struct DailyFiguresTests {
    let calendar = MunicipalCalendar()
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    /// Tickets spread over ten days, three MOEs, two areas, every outcome; reproducible.
    func tickets(_ seed: UInt64, count: Int) -> [IndicatorTicket] {
        var g = SplitMix(seed)
        return (0..<count).map { _ in
            let created = t0.addingTimeInterval(Double(g.next(10 * 86400)))
            func later(_ hours: UInt64) -> Date? { g.next(4) == 0 ? nil : created.addingTimeInterval(Double(g.next(hours * 3600))) }
            let ack = later(30), resolved = ack.flatMap { _ in later(200) }
            var t = IndicatorTicket(createdAt: created, acknowledgedAt: ack, resolvedAt: resolved,
                                    acknowledgeDueAt: g.next(5) == 0 ? nil : created.addingTimeInterval(4 * 3600),
                                    dueAt: created.addingTimeInterval(Double(24 + g.next(48)) * 3600), reopened: g.next(9) == 0,
                                    ratings: (0..<Int(g.next(3))).map { _ in Int(g.next(6)) }, closedWithoutResolution: g.next(12) == 0,
                                    closedAt: resolved.map { $0.addingTimeInterval(Double(g.next(86400))) })
            (t.moe, t.service, t.area) = (["water", "power", "roads"][Int(g.next(3))], ["leak", "outage"][Int(g.next(2))], ["soweto", "cbd"][Int(g.next(2))])
            t.channel = ["ussd", "sms", "bulk", "open311", "console"][Int(g.next(5))]
            return t
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func theRollupGivesTheTicketsFiguresExactly(_ seed: UInt64) throws {
        let all = tickets(seed, count: 400)
        let rows = DayFigures.rollup(all, calendar: calendar)
        #expect(rows.count > 20 && rows.count < 400, "rows are per day, MOE, service and area, not per ticket")
        for now in [t0, t0.addingTimeInterval(5 * 86400), t0.addingTimeInterval(40 * 86400)] {
            #expect(Indicators(figures: rows, now: now) == Indicators(all, now: now))
            // Made earlier (targets passed by then counted as missed), read now: the same figures.
            let made = DayFigures.rollup(all, calendar: calendar, now: now.addingTimeInterval(-3 * 86400))
            #expect(Indicators(figures: made, now: now) == Indicators(all, now: now))
            if now > t0.addingTimeInterval(4 * 86400) {
                #expect(made.map(\.resolveTarget.pending.count).reduce(0, +) < rows.map(\.resolveTarget.pending.count).reduce(0, +),
                        "targets already passed are not kept as due times")
            }
            let water = rows.filter { $0.moe == "water" && $0.area == "cbd" }
            #expect(Indicators(figures: water, now: now) == Indicators(all.filter { $0.moe == "water" && $0.area == "cbd" }, now: now))
        }
        // Stored and read back, every row is the same.
        for row in rows {
            let read = try #require(DayFigures(day: row.day, moe: row.moe, service: row.service, area: row.area, open: row.open,
                                                    closedOn: row.closedOn.encoded, encoded: row.encoded))
            #expect(read == row)
        }
    }

    @Test func aDamagedRowIsNotReadAsFigures() {
        for text in ["r=ussd", "a=1*0", "at=1:2", "x=1", "a=one", "r=ussd:1;s=5*-1"] {
            #expect(DayFigures(day: 1, moe: "m", service: "s", area: "a", open: 0, closedOn: "", encoded: text) == nil, "\(text)")
        }
        #expect(DayFigures(day: 1, moe: "m", service: "s", area: "a", open: 0, closedOn: "3,x", encoded: "") == nil)
        #expect(DayFigures(day: 1, moe: "m", service: "s", area: "a", open: 0, closedOn: "", encoded: "")?.receivedCount == 0)
    }

    @Test func percentilesOfATallyFollowTheIndicatorsDefinition() {
        #expect(Tally([600, 3000]).percentile(50) == 1800 && Tally([600, 3000]).percentile(90) == 3000)
        #expect(Tally([5, 1, 3]).percentile(50) == 3 && Tally([]).percentile(50) == nil)
        let t = Tally(Array(repeating: 60, count: 9) + [1200])
        #expect(t.percentile(90) == 60 && t.percentile(50) == 60 && t.encoded == "60*9,1200")
    }

    @Test func dayNumbersFollowTheLocalCalendar() {
        #expect(calendar.day(number: 0) == "1970-01-01" && calendar.day(number: 20_000) == "2024-10-04")
        let d = calendar.date(ofDay: "2026-11-30")!
        #expect(calendar.day(number: calendar.dayNumber(d)) == "2026-11-30")
        #expect(calendar.start(ofDayNumber: calendar.dayNumber(d)) == d)
        // 23:30 UTC on the 29th is already the 30th in Johannesburg.
        #expect(calendar.dayNumber(d.addingTimeInterval(-1800)) == calendar.dayNumber(d) - 1)
        let midnightUTC = Date(timeIntervalSince1970: 1_794_960_000)
        #expect(calendar.dayNumber(midnightUTC.addingTimeInterval(22 * 3600 + 60)) == calendar.dayNumber(midnightUTC) + 1)
    }
}

/// A small reproducible generator (the tests must not depend on a random seed).
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next(_ bound: UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (z ^ (z >> 31)) % bound
    }
}
