import Domain
import Foundation
import TestSupport
import Testing

/// Due dates on the municipality's calendar: 24x7 and business hours, weekends, public holidays
/// (with the Sunday-to-Monday rule), the pause while scheduled and a re-route.
@Suite struct ServiceLevelsTests {
    /// Mon-Fri 07:30-16:30 for roads, the holidays of December and August 2026.
    let levels = ServiceLevels(
        levels: [
            "roads": ServiceLevel(acknowledgeHours: 9, resolveHours: 27, calendar: .business),
            "water": ServiceLevel(acknowledgeHours: 4, resolveHours: 48, calendar: .allHours, restartsOnReroute: true),
        ],
        faultLevels: ["roads.traffic_light": ServiceLevel(acknowledgeHours: 2, resolveHours: 12, calendar: .allHours)],
        workingHours: ["roads": WorkingHours(days: Dictionary(uniqueKeysWithValues: (2...6).map { ($0, 450..<990) }))],
        holidays: PublicHolidays(["2026-08-09", "2026-12-16", "2026-12-25", "2026-12-26"]),
        timeZone: TimeZone(identifier: "Africa/Johannesburg")!)

    let reference: Reference = {
        var draws = SeededGenerator(state: 12)
        return Reference.random(using: &draws)
    }()

    /// A local (SAST, +02:00) time.
    func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text + "+02:00")! }

    @Test func aTwentyFourSevenTargetCountsEveryHour() {
        let start = at("2026-12-24T22:00:00")
        let due = levels.targets(service: "water", fault: "leak", moe: "water", from: start)
        #expect(due.resolve == at("2026-12-26T22:00:00"), "through Christmas: every hour counts")
        #expect(due.acknowledge == at("2026-12-25T02:00:00"))
    }

    @Test func aBusinessTargetSkipsTheWeekendAndAPublicHoliday() {
        // Tuesday 10:00: 6.5 h that day, Wednesday 16 December is a holiday, 9 h Thursday, 9 h
        // Friday, then the weekend: the last 2.5 h are on Monday morning.
        let due = levels.targets(service: "roads", fault: "pothole", moe: "roads", from: at("2026-12-15T10:00:00"))
        #expect(due.resolve == at("2026-12-21T10:00:00"))
        #expect(due.acknowledge == at("2026-12-17T10:00:00"), "6.5 h Tuesday, none Wednesday, 2.5 h Thursday")
    }

    @Test func aHolidayOnSundayMakesMondayAHoliday() {
        #expect(levels.isHoliday(at("2026-08-10T12:00:00")), "Women's Day 2026 is a Sunday: Monday is off")
        #expect(!levels.isHoliday(at("2026-08-11T12:00:00")))
        #expect(!levels.isHoliday(at("2026-12-28T12:00:00")), "26 December 2026 is a Saturday: no Monday off for it")
        // Friday 16:00: half an hour that day; Monday 10 August is off; 8.5 h on Tuesday.
        #expect(levels.add(hours: 9, to: at("2026-08-07T16:00:00"), calendar: .business, moe: "roads") == at("2026-08-11T16:00:00"))
    }

    @Test func aReportOutsideWorkingHoursStartsItsClockAtTheNextOpening() {
        #expect(levels.add(hours: 1, to: at("2026-12-12T22:00:00"), calendar: .business, moe: "roads") == at("2026-12-14T08:30:00"))
        #expect(levels.add(hours: 1, to: at("2026-12-14T05:00:00"), calendar: .business, moe: "roads") == at("2026-12-14T08:30:00"))
        // An MOE the catalogue does not give hours works office hours, Mon-Fri 08:00-16:30.
        #expect(levels.add(hours: 1, to: at("2026-12-14T05:00:00"), calendar: .business, moe: "parks") == at("2026-12-14T09:00:00"))
    }

    @Test func aFaultTypeKeepsItsOwnPromise() {
        let due = levels.targets(service: "roads", fault: "traffic_light", moe: "roads", from: at("2026-12-19T20:00:00"))
        #expect(due.resolve == at("2026-12-20T08:00:00") && due.acknowledge == at("2026-12-19T22:00:00"))
        #expect(levels.level(service: "unknown", fault: nil) == ServiceLevels.fallback)
    }

    @Test func workingTimeBetweenTwoMomentsIsCountedOnTheCalendar() {
        #expect(levels.counted(from: at("2026-12-11T15:00:00"), to: at("2026-12-14T09:00:00"), calendar: .business, moe: "roads") == 3 * 3600)
        #expect(levels.counted(from: at("2026-12-11T15:00:00"), to: at("2026-12-14T09:00:00"), calendar: .allHours, moe: "roads") == 66 * 3600)
        #expect(levels.counted(from: at("2026-12-14T09:00:00"), to: at("2026-12-11T15:00:00"), calendar: .business, moe: "roads") == 0)
    }

    func roadsTicket(_ status: TicketStatus, due: Date, pausedAt: Date? = nil) throws -> TicketState {
        TicketState(reference: reference, status: status, moe: "roads", queue: "roads-general", expectedAt: nil,
                    duplicateOf: nil, service: "roads", fault: "pothole", dueAt: due, acknowledgeDueAt: nil, pausedAt: pausedAt)
    }

    @Test func theClockPausesWhileScheduledAndTheTargetMovesOnByTheWorkingTimeLost() throws {
        let due = at("2026-12-21T10:00:00")
        let scheduledAt = at("2026-12-11T15:00:00")
        let schedule = try roadsTicket(.assigned, due: due)
            .decide(.status(.scheduled, publicUpdate: nil, internalNote: "crew booked", expectedAt: at("2026-12-14T12:00:00")), now: scheduledAt, levels: levels).get()
        #expect(schedule.pause == .since(scheduledAt) && schedule.dueAt == nil)
        // Back to work on Monday 09:00: 3 working hours lost (Friday 15:00-16:30, Monday 07:30-09:00).
        let resume = try roadsTicket(.scheduled, due: due, pausedAt: scheduledAt)
            .decide(.status(.inProgress, publicUpdate: "Crew on site", internalNote: nil, expectedAt: nil), now: at("2026-12-14T09:00:00"), levels: levels).get()
        #expect(resume.pause == .resumed)
        #expect(resume.dueAt == at("2026-12-21T13:00:00"))
        // A change that keeps it scheduled keeps the clock paused.
        let note = try roadsTicket(.scheduled, due: due, pausedAt: scheduledAt)
            .decide(.assign(to: "Crew 4"), now: at("2026-12-14T09:00:00"), levels: levels).get()
        #expect(note.pause == nil && note.dueAt == nil)
    }

    @Test func aRerouteRestartsTheClockOnlyWhereTheCatalogueSaysSo() throws {
        let now = at("2026-12-15T10:00:00")
        let water = TicketState(reference: reference, status: .new, moe: "water", queue: "water-general", expectedAt: nil,
                                duplicateOf: nil, service: "water", fault: "leak", dueAt: at("2026-12-14T10:00:00"))
        let moved = try water.decide(.reroute(moe: "roads", queue: "roads-general", reason: "road surface"), now: now, levels: levels).get()
        #expect(moved.dueAt == at("2026-12-17T10:00:00") && moved.acknowledgeDueAt == at("2026-12-15T14:00:00"))
        let roads = try roadsTicket(.new, due: at("2026-12-14T10:00:00"))
        let kept = try roads.decide(.reroute(moe: "water", queue: "water-general", reason: "a burst main"), now: now, levels: levels).get()
        #expect(kept.dueAt == nil, "the resident's wait runs on")
    }
}

/// When a ticket is escalated, decided without any store.
@Suite struct EscalationRulesTests {
    let levels = ServiceLevels(levels: ["water": ServiceLevel(acknowledgeHours: 2, resolveHours: 24, calendar: .allHours)])
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    let reference: Reference = {
        var draws = SeededGenerator(state: 5)
        return Reference.random(using: &draws)
    }()

    func ticket(_ status: TicketStatus = .new, level: Int = 0, paused: Date? = nil) -> TicketState {
        TicketState(reference: reference, status: status, moe: "water", queue: "water-general", expectedAt: nil, duplicateOf: nil,
                    service: "water", fault: "leak", dueAt: start.addingTimeInterval(24 * 3600), acknowledgeDueAt: start.addingTimeInterval(2 * 3600),
                    pausedAt: paused, escalationLevel: level)
    }

    func hours(_ h: Double) -> Date { start.addingTimeInterval(h * 3600) }

    @Test func aTicketNotAcknowledgedInTimeGoesUpOneLevelThenTwo() {
        #expect(ticket().escalation(now: hours(1.9), levels: levels) == nil)
        #expect(ticket().escalation(now: hours(2.5), levels: levels)?.level == 1)
        #expect(ticket().escalation(now: hours(2.5), levels: levels)?.reason.contains("not acknowledged") == true)
        #expect(ticket(level: 1).escalation(now: hours(3.9), levels: levels) == nil, "level 1 already, not yet twice the target")
        #expect(ticket(level: 1).escalation(now: hours(4), levels: levels)?.level == 2)
        #expect(ticket(level: 2).escalation(now: hours(100), levels: levels) == nil)
    }

    @Test func anAcknowledgedTicketIsEscalatedOnlyPastItsResolutionTarget() {
        #expect(ticket(.acknowledged).escalation(now: hours(23), levels: levels) == nil)
        #expect(ticket(.inProgress).escalation(now: hours(25), levels: levels) == Escalation(level: 1, reason: "not resolved within its target of 24 h (24x7)"))
        #expect(ticket(.assigned).escalation(now: hours(48), levels: levels)?.level == 2)
    }

    @Test func aScheduledOrFinishedTicketIsNotEscalated() {
        #expect(ticket(.scheduled, paused: hours(1)).escalation(now: hours(30), levels: levels) == nil)
        #expect(ticket(.resolved).escalation(now: hours(30), levels: levels) == nil)
        #expect(ticket(.duplicate).escalation(now: hours(30), levels: levels) == nil)
    }

    @Test func aSurveyZeroReopensTheResolutionAskedAboutAndASecondOneEscalates() {
        let resolved = ticket(.resolved)
        #expect(resolved.consequences(ofRating: 4, askedAbout: 1, resolutions: 1, reopensBefore: 0).isEmpty)
        #expect(resolved.consequences(ofRating: 0, askedAbout: 1, resolutions: 1, reopensBefore: 0).map(\.name) == ["reopen"])
        #expect(resolved.consequences(ofRating: 0, askedAbout: 1, resolutions: 2, reopensBefore: 1).isEmpty, "an answer about an earlier resolution")
        #expect(resolved.consequences(ofRating: 0, askedAbout: 2, resolutions: 2, reopensBefore: 1).map(\.name) == ["reopen", "escalate level 1"])
        #expect(ticket(.resolved, level: 2).consequences(ofRating: 0, askedAbout: 3, resolutions: 3, reopensBefore: 2).map(\.name) == ["reopen"])
        #expect(ticket(.acknowledged).consequences(ofRating: 0, askedAbout: 1, resolutions: 1, reopensBefore: 0).isEmpty, "already reopened")
        #expect(ticket(.resolved).decide(.reopen(reason: "x")).map(\.status) == .success(.acknowledged))
        #expect(ticket(.closed).decide(.reopen(reason: "x")) == .failure(.notResolved(.closed)))
    }

    @Test func theRulesWriteALevelOnceAndOnlyUpwards() throws {
        let c = try ticket().decide(.escalate(level: 1, reason: "late"), now: hours(3), levels: levels).get()
        #expect(c.escalationLevel == 1 && c.notice == nil && c.status == nil)
        #expect(c.event == TicketEventRecord(kind: .escalated, from: .new, to: .new, note: "level 1: late", isPublic: false))
        #expect(ticket(level: 1).decide(.escalate(level: 1, reason: "late")) == .failure(.alreadyEscalated(1)))
        #expect(ticket(.closed).decide(.escalate(level: 1, reason: "late")) == .failure(.notOpen(.closed)))
        #expect(ticket().escalationNotice(level: 2, reason: "late").contains(reference.grouped))
    }
}

/// The indicators, worked out by hand for five tickets.
@Suite struct IndicatorsTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    func h(_ hours: Double) -> Date { t0.addingTimeInterval(hours * 3600) }

    @Test func handComputedFiguresComeOutExactly() {
        let tickets = [
            IndicatorTicket(createdAt: t0, acknowledgedAt: h(0.5), resolvedAt: h(10), acknowledgeDueAt: h(2), dueAt: h(24), reopened: false, ratings: [4]),
            IndicatorTicket(createdAt: t0, acknowledgedAt: h(3), resolvedAt: h(30), acknowledgeDueAt: h(2), dueAt: h(24), reopened: true, ratings: [2]),
            IndicatorTicket(createdAt: t0, acknowledgedAt: h(1), resolvedAt: nil, acknowledgeDueAt: h(2), dueAt: h(24), reopened: false, ratings: []),
            IndicatorTicket(createdAt: h(40), acknowledgedAt: nil, resolvedAt: nil, acknowledgeDueAt: h(42), dueAt: h(64), reopened: false, ratings: []),
            IndicatorTicket(createdAt: t0, acknowledgedAt: h(2), resolvedAt: nil, acknowledgeDueAt: h(2), dueAt: h(24), reopened: false, ratings: [],
                            closedWithoutResolution: true),
        ]
        let i = Indicators(tickets, now: h(48))
        #expect(i.received == 5 && i.acknowledged == 4 && i.resolved == 2 && i.reopened == 1)
        #expect(i.medianHoursToAcknowledge == 1.5, "30, 60, 120, 180 minutes")
        #expect(i.medianHoursToResolve == 20 && i.p90HoursToResolve == 30, "600 and 1,800 minutes")
        #expect(i.acknowledgedWithinTargetPct == 60, "3 of 5: on time, late, on time, past its target undone, on the minute")
        #expect(i.resolvedWithinTargetPct == 33.33, "1 of 3: the duplicate is left out, the one still inside its target is not known yet")
        #expect(i.satisfactionMean == 3 && i.satisfactionResponses == 2)
        let none = Indicators([], now: h(48))
        #expect(none.received == 0 && none.medianHoursToResolve == nil && none.resolvedWithinTargetPct == nil && none.satisfactionMean == nil)
    }
}
