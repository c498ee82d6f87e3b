import Domain
import Foundation
import Testing
import TestSupport

/// When area alerts fall due: the evening before for planned works more than a day ahead, at once
/// otherwise; never in the quiet hours; news coalesced; nothing told of works nobody heard of.
@Suite struct AreaAlertScheduleTests {
    let calendar = MunicipalCalendar()  // Africa/Johannesburg, UTC+2 all year

    func local(_ text: String) -> Date { calendar.date(ofMoment: text)! }

    func planned(start: String, end: String, declared: String) -> Incident {
        Incident(id: 1, moe: "water", service: "water", faults: [], areas: ["soweto"], description: "Valve replacement", expectedAt: local(end),
                 isOpen: true, createdAt: local(declared), updatedAt: local(declared), startsAt: local(start))
    }

    @Test func plannedWorksAWeekAheadAreAnnouncedTheEveningBeforeAndStartedAtTheirStart() {
        let works = planned(start: "2026-12-10 09:00", end: "2026-12-10 15:00", declared: "2026-12-03 10:00")
        #expect(AreaAlertSchedule.declared(works, now: local("2026-12-03 10:00"), calendar: calendar)
                == [.add(.announced, dueAt: local("2026-12-09 18:00")), .add(.started, dueAt: local("2026-12-10 09:00"))])
    }

    @Test func worksWithinADayAreAnnouncedAtOnceAndAFaultStartsAtOnce() {
        let now = local("2026-12-03 10:00")
        let soon = planned(start: "2026-12-04 08:00", end: "2026-12-04 12:00", declared: "2026-12-03 10:00")
        #expect(AreaAlertSchedule.declared(soon, now: now, calendar: calendar) == [.add(.announced, dueAt: now), .add(.started, dueAt: local("2026-12-04 08:00"))])
        var fault = soon
        fault.startsAt = nil
        #expect(AreaAlertSchedule.declared(fault, now: now, calendar: calendar) == [.add(.started, dueAt: now)])
        // Just over a day ahead, declared after 18:00 the evening before: at once, not in the past.
        let late = planned(start: "2026-12-04 20:30", end: "2026-12-04 22:00", declared: "2026-12-03 19:00")
        #expect(AreaAlertSchedule.declared(late, now: local("2026-12-03 19:00"), calendar: calendar).first == .add(.announced, dueAt: local("2026-12-03 19:00")))
    }

    @Test func quietHoursHoldAlertsFromEightInTheEveningToSevenInTheMorning() {
        let quiet = QuietHours()
        #expect(quiet.release(local("2026-12-03 19:59"), calendar: calendar) == local("2026-12-03 19:59"))
        #expect(quiet.release(local("2026-12-03 20:00"), calendar: calendar) == local("2026-12-04 07:00"))
        #expect(quiet.release(local("2026-12-03 23:30"), calendar: calendar) == local("2026-12-04 07:00"))
        #expect(quiet.release(local("2026-12-04 03:00"), calendar: calendar) == local("2026-12-04 07:00"))
        #expect(quiet.release(local("2026-12-04 07:00"), calendar: calendar) == local("2026-12-04 07:00"))
        #expect(quiet.quietUntil(local("2026-12-04 12:00"), calendar: calendar) == nil)
        #expect(quiet.quietUntil(local("2026-12-04 06:59"), calendar: calendar) == local("2026-12-04 07:00"))
    }

    @Test func newsGoesOnceAndOnlyToThoseWhoHeard() {
        let before = planned(start: "2026-12-10 09:00", end: "2026-12-10 15:00", declared: "2026-12-03 10:00")
        var after = before
        after.description = "Now from 10:00"
        let now = local("2026-12-05 10:00")
        let waiting = [AreaAlertRecord(id: 1, kind: .announced, dueAt: local("2026-12-09 18:00"), queued: false),
                       AreaAlertRecord(id: 2, kind: .started, dueAt: local("2026-12-10 09:00"), queued: false)]
        // Announcement not out yet: it carries the news itself.
        #expect(AreaAlertSchedule.updated(before, after, news: true, alerts: waiting, now: now, calendar: calendar) == [])
        // Announced already: the news goes now, once.
        var told = waiting
        told[0].queued = true
        #expect(AreaAlertSchedule.updated(before, after, news: true, alerts: told, now: now, calendar: calendar) == [.add(.changed, dueAt: now)])
        let pendingNews = told + [AreaAlertRecord(id: 3, kind: .changed, dueAt: now, queued: false)]
        #expect(AreaAlertSchedule.updated(before, after, news: true, alerts: pendingNews, now: now, calendar: calendar) == [])
        // An area added is not news.
        #expect(AreaAlertSchedule.updated(before, after, news: false, alerts: told, now: now, calendar: calendar) == [])
        // The start moved: the start alert and a waiting announcement move with it.
        after.startsAt = local("2026-12-12 09:00")
        #expect(AreaAlertSchedule.updated(before, after, news: true, alerts: waiting, now: now, calendar: calendar)
                == [.move(id: 2, dueAt: local("2026-12-12 09:00")), .move(id: 1, dueAt: local("2026-12-11 18:00"))])
    }

    @Test func closingDropsWhatHasNotGoneAndTellsThoseWhoHeard() {
        var works = planned(start: "2026-12-10 09:00", end: "2026-12-10 15:00", declared: "2026-12-03 10:00")
        let now = local("2026-12-08 10:00")
        (works.isOpen, works.closedAt) = (false, now)
        #expect(works.phase(at: now) == .cancelled)
        let unheard = [AreaAlertRecord(id: 1, kind: .announced, dueAt: local("2026-12-09 18:00"), queued: false),
                       AreaAlertRecord(id: 2, kind: .started, dueAt: local("2026-12-10 09:00"), queued: false)]
        #expect(AreaAlertSchedule.closed(works, alerts: unheard, now: now) == [.drop(id: 1), .drop(id: 2)], "nobody heard of it: nothing to cancel")
        var heard = unheard
        heard[0].queued = true
        #expect(AreaAlertSchedule.closed(works, alerts: heard, now: now) == [.drop(id: 2), .add(.cancelled, dueAt: now)])
        // Closed after its start: ended.
        let later = local("2026-12-10 14:00")
        works.closedAt = later
        #expect(works.phase(at: later) == .ended)
        heard[1].queued = true
        #expect(AreaAlertSchedule.closed(works, alerts: heard, now: later) == [.add(.ended, dueAt: later)])
    }

    @Test func phasesOfPlannedWorks() {
        let works = planned(start: "2026-12-10 09:00", end: "2026-12-10 15:00", declared: "2026-12-03 10:00")
        #expect(works.phase(at: local("2026-12-09 12:00")) == .announced)
        #expect(works.phase(at: local("2026-12-10 09:00")) == .current)
        #expect(works.phase(at: local("2026-12-10 15:30")) == .overdue)
        #expect(!works.covers(service: "water", fault: nil, area: "soweto", at: local("2026-12-09 12:00")), "not before it starts")
        #expect(works.covers(service: "water", fault: nil, area: "soweto", at: local("2026-12-10 10:00")))
    }

    @Test func plannedWorksNeedAStartAheadAndAnEndAfterIt() {
        let catalogue = try! shippedDefinitions().catalogue
        let now = local("2026-12-03 10:00")
        func declare(_ start: String?, _ end: String?) -> Result<IncidentDraft, IncidentProblem> {
            IncidentRules.declaration(IncidentDraft(service: "water", areas: ["soweto"], description: "Valve", expectedAt: end.map(local),
                                                    startsAt: start.map(local)), moe: "water", planned: true, catalogue: catalogue, now: now)
        }
        #expect(declare(nil, "2026-12-10 15:00") == .failure(.missing("starts_at")))
        #expect(declare("2026-12-10 09:00", nil) == .failure(.missing("expected_at")))
        #expect(declare("2026-12-03 09:00", "2026-12-10 15:00") == .failure(.startInPast))
        #expect(declare("2026-12-10 09:00", "2026-12-10 08:00") == .failure(.endBeforeStart))
        #expect(declare("2026-12-10 09:00", "2028-12-10 08:00") == .failure(.tooFarAhead("expected_at")))
        #expect((try? declare("2026-12-10 09:00", "2026-12-10 15:00").get())?.startsAt == local("2026-12-10 09:00"))
        // A fault now has no start.
        #expect(IncidentRules.declaration(IncidentDraft(service: "water", areas: ["soweto"], description: "Burst", startsAt: local("2026-12-10 09:00")),
                                          moe: "water", catalogue: catalogue, now: now) == .failure(.notPlanned))
    }
}
