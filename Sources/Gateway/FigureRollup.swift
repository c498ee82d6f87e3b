import Domain
import Foundation
import Logging

/// Keeps the daily rollup up to date: the days of the tickets marked as changed are made again
/// from their tickets. Run before every read of the figures (usually one day, today) and by the
/// background job, so the dashboard and the indicators API never scan the tickets per request.
/// Within an instance one refresh runs at a time and readers wait for it; across instances the
/// store lets one instance at a time replace a day.
public actor FigureRollup {
    let tickets: any IndicatorRows
    let store: any DailyFigureStore
    let calendar: MunicipalCalendar
    let clock: any WallClock
    let logger: Logger
    /// Marks read per pass: bounds the memory of the first build after an upgrade.
    let batch: Int
    var running: Task<Int, any Error>?

    public init(tickets: any IndicatorRows, store: any DailyFigureStore, calendar: MunicipalCalendar, clock: any WallClock, logger: Logger,
                batch: Int = 100_000) {
        (self.tickets, self.store, self.calendar, self.clock, self.logger, self.batch) = (tickets, store, calendar, clock, logger, batch)
    }

    /// Brings every changed day up to date; returns how many days were made again.
    @discardableResult
    public func refresh() async throws -> Int {
        // A pass in flight may have read the marks before the caller's change: wait for it, then
        // make another. Each pass is waited for once: awaiting a finished task does not suspend,
        // so looping on one that its starter has not cleared yet would spin on the actor for ever.
        var waited: Task<Int, any Error>?
        while let current = running, current != waited {
            waited = current
            _ = try? await current.value
        }
        let task = Task { try await self.pass() }
        running = task
        defer { if running == task { running = nil } }
        // A caller cancelled (the server stopping) stops the pass between two days.
        return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }

    /// The rows of local days [fromDay, toDay), once every changed day is made again.
    public func figures(_ filter: FigureFilter, fromDay: Int, toDay: Int) async throws -> [DayFigures] {
        try await refresh()
        return try await store.figures(filter, fromDay: fromDay, toDay: toDay)
    }

    /// Those rows and the ones outside the period that the backlog and the open ages need.
    public func figuresWithBacklog(_ filter: FigureFilter, fromDay: Int, toDay: Int) async throws -> (rows: [DayFigures], outside: [BacklogRow]) {
        let rows = try await figures(filter, fromDay: fromDay, toDay: toDay)
        return (rows, try await store.figuresOutside(filter, fromDay: fromDay, toDay: toDay))
    }

    func pass() async throws -> Int {
        var made = 0
        while true {
            let changed = try await store.changedTickets(limit: batch)
            guard !changed.isEmpty else { break }
            let days = Set(changed.map { calendar.dayNumber($0.createdAt) }).sorted()
            for day in days {
                try Task.checkCancellation()
                let start = calendar.start(ofDayNumber: day), end = calendar.start(ofDayNumber: day + 1)
                // The time is taken before the tickets are read: a target passed by then stays passed.
                let now = clock.now()
                let rows = DayFigures.rollup(try await tickets.indicatorTickets(moe: nil, from: start, to: end), calendar: calendar, now: now)
                try await store.replaceFigures(day: day, with: rows.filter { $0.day == day }, madeAt: now)
            }
            try await store.clearChanged(changed)
            made += days.count
            if days.count > 31 { logger.info("daily figures made again", metadata: ["days": "\(days.count)", "tickets": "\(changed.count)"]) }
            if changed.count < batch { break }
        }
        return made
    }
}
