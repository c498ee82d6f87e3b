import Domain
import Foundation
import Gateway
import Logging
import Store
import TestSupport
import Testing

/// The backlog and open ages the dashboard draws, for tickets worked out by hand.
@Suite struct DashboardFiguresTests {
    let calendar = MunicipalCalendar()

    @Test func theBacklogFollowsReceiptsAndClosingsDayByDay() {
        let d0 = calendar.date(ofDay: "2026-11-20")!, day0 = calendar.dayNumber(d0)
        func at(_ day: Int, _ hour: Double = 9) -> Date { calendar.start(ofDayNumber: day0 + day).addingTimeInterval(hour * 3600) }
        func ticket(_ received: Int, closed: Int?, channel: String = "ussd") -> IndicatorTicket {
            var t = IndicatorTicket(createdAt: at(received), acknowledgedAt: nil, resolvedAt: closed.map { at($0) }, acknowledgeDueAt: nil,
                                    dueAt: nil, reopened: false, ratings: [], closedAt: closed.map { at($0) })
            (t.moe, t.service, t.area, t.channel) = ("water", "water", "soweto", channel)
            return t
        }
        // Before the period: one closed before it (left out), one closed inside it, one still open.
        let tickets = [ticket(-5, closed: -4), ticket(-3, closed: 1), ticket(-2, closed: nil),
                       ticket(0, closed: 0), ticket(0, closed: 2, channel: "sms"), ticket(1, closed: nil), ticket(3, closed: nil),
                       ticket(12, closed: nil)]
        let rows = DayFigures.rollup(tickets, calendar: calendar)
        let (inside, outside) = (rows.filter { (day0..<day0 + 5).contains($0.day) }, rows.filter { !(day0..<day0 + 5).contains($0.day) })
        let f = DashboardFigures(inside, outside: outside.filter { $0.day > day0 - 5 }.map(BacklogRow.init), fromDay: day0, toDay: day0 + 5, services: ["water"],
                                 calendar: calendar, now: at(3, 12))
        #expect(f.days.map(\.day) == ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"])
        // Day 0: two open from before, +2 received, -1 closed = 3; day 1: +1, -1 = 3; day 2: -1 = 2;
        // day 3: +1 = 3; day 4 is still to come.
        #expect(f.days.map(\.backlog) == [3, 3, 2, 3, nil])
        #expect(f.days[0].byChannel == ["ussd": 1, "sms": 1] && f.days[3].byChannel == ["ussd": 1])
        // Open now: received today (day 3), 2 days ago (day 1), 5 days ago (day -2); and day 12's.
        #expect(f.ages == [2, 1, 1, 0, 0])
        #expect(f.total.received == 4)
    }
}

/// Many readers at once share the rollup: each waits for the pass in flight and the figures are
/// whole (an earlier version spun for ever when a reader woke before the pass's starter).
@Suite struct FigureRollupTests {
    @Test func concurrentReadersAllGetTheFiguresAndNoMarkIsLeft() async throws {
        let world = try TestGateway()
        let calendar = world.gateway.engine.settings.calendar
        for (i, number) in ["+27821110001", "+27821110002", "+27821110003"].enumerated() {
            let draft = TicketDraft(reference: world.references.next(), service: "water", fault: "leak", area: "soweto", address: "1 Test St",
                                    channel: i == 0 ? .sms : .ussd, reporter: MSISDN(number), language: "en")
            let ticket = world.gateway.engine.newTicket(draft, at: world.clock.now(), confirm: false)
            try await SQLiteConversationStore(world.database).transaction { tx in try tx.create(ticket) }
        }
        let rollup = FigureRollup(tickets: world.staff, store: world.staff, calendar: calendar, clock: world.clock, logger: Logger(label: "test"))
        let day = calendar.dayNumber(world.clock.now())
        let received = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask { Indicators(figures: try await rollup.figures(FigureFilter(), fromDay: day, toDay: day + 1), now: world.clock.now()).received }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(received == Array(repeating: 3, count: 20))
        #expect(try await world.staff.changedTickets(limit: 10).isEmpty)
    }
}
