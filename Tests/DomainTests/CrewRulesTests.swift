import Domain
import Foundation
import Testing

/// The ticket rules for crews: assigning, reports from the site, and a crew's removal.
@Suite struct CrewRulesTests {
    let reference: Reference = { var g = SystemRandomNumberGenerator(); return Reference.random(using: &g) }()
    func ticket(_ status: TicketStatus, crew: Int64? = nil, onSite: Bool = false) -> TicketState {
        TicketState(reference: reference, status: status, moe: "water", queue: "water-general", expectedAt: nil, duplicateOf: nil, crewID: crew, onSite: onSite)
    }

    @Test func assigningACrewStartsTheJobAndTellsTheReporters() throws {
        let c = try ticket(.new).decide(.assignCrew(id: 7, name: "Pipe Team A")).get()
        #expect(c.status == .assigned && c.crew == .set(7) && c.assignee == .set("Pipe Team A") && c.flag == .clear)
        #expect(c.notice == .status(.assigned, update: nil) && c.event.kind == .assigned && c.event.note == "to crew Pipe Team A")
        // Already the crew's: refused. Another crew while on site: back to assigned, nobody told again.
        #expect(ticket(.assigned, crew: 7).decide(.assignCrew(id: 7, name: "A")) == .failure(.sameCrew("A")))
        let moved = try ticket(.inProgress, crew: 7, onSite: true).decide(.assignCrew(id: 8, name: "B")).get()
        #expect(moved.status == .assigned && moved.notice == nil && moved.crew == .set(8))
        #expect(ticket(.resolved).decide(.assignCrew(id: 7, name: "A")) == .failure(.notOpen(.resolved)))
        // A named person takes it from the crew.
        #expect(try ticket(.assigned, crew: 7).decide(.assign(to: "Sipho")).get().crew == .clear)
    }

    @Test func onlyTheAssignedCrewReportsAndEachReportCountsOnce() throws {
        let job = ticket(.assigned, crew: 7)
        #expect(job.decide(.field(.onSite, crew: 8)) == .failure(.notThisCrew(reference)))
        #expect(ticket(.assigned).decide(.field(.onSite, crew: 7)) == .failure(.notThisCrew(reference)))
        let site = try job.decide(.field(.onSite, crew: 7)).get()
        #expect(site.status == .inProgress && site.onSite && site.notice == .onSite && site.event.kind == .onSite && site.event.isPublic)
        let there = job.applying(site)
        #expect(there.decide(.field(.onSite, crew: 7)) == .failure(.alreadyOnSite(reference)))
        let done = try there.decide(.field(.done(note: " new valve, call 0821234567 "), crew: 7)).get()
        #expect(done.status == .resolved && done.notice == .fixed(note: "new valve, call [number removed]") && done.publicUpdate == "new valve, call [number removed]")
        #expect(there.applying(done).decide(.field(.done(note: nil), crew: 7)) == .failure(.notOpen(.resolved)))
        // Done without a note tells the residents it is fixed, and keeps no public update.
        let bare = try job.decide(.field(.done(note: "  "), crew: 7)).get()
        #expect(bare.notice == .fixed(note: nil) && bare.publicUpdate == nil)
    }

    @Test func cannotFixGoesBackToTheQueueFlaggedAndTellsTheSupervisorsNotTheResidents() throws {
        let job = ticket(.inProgress, crew: 7, onSite: true)
        #expect(job.decide(.field(.cannotFix(reason: " "), crew: 7)) == .failure(.cannotFixReasonMissing))
        let c = try job.decide(.field(.cannotFix(reason: "needs parts"), crew: 7)).get()
        #expect(c.status == .acknowledged && c.crew == .clear && c.assignee == .clear && c.flag == .set("needs parts"))
        #expect(c.notice == nil && c.supervisorNote?.contains("needs parts") == true && !c.event.isPublic)
        #expect(job.applying(c).crewID == nil && !job.applying(c).onSite)
    }

    @Test func removingACrewReleasesItsOpenJob() throws {
        let c = try ticket(.inProgress, crew: 7, onSite: true).decide(.releaseCrew(name: "A")).get()
        #expect(c.status == .acknowledged && c.crew == .clear && c.assignee == .clear && c.event.kind == .crewReleased && c.notice == nil)
        #expect(ticket(.scheduled, crew: 7).decide(.releaseCrew(name: "A")).map(\.status) == .success(nil))
        #expect(ticket(.assigned).decide(.releaseCrew(name: "A")) == .failure(.noCrew))
    }

    @Test func fieldFiguresCountTimeToSiteSiteToFixedAndFirstVisitFixes() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        func h(_ x: Double) -> Date { t0.addingTimeInterval(x * 3600) }
        let figures = FieldFigures([
            FieldRecord(assignedAt: t0, onSiteAt: h(1), fixedAt: h(3), revisited: false),
            FieldRecord(assignedAt: t0, onSiteAt: h(2), fixedAt: h(6), revisited: true),
            FieldRecord(assignedAt: t0, onSiteAt: h(3), fixedAt: nil, revisited: false),
            FieldRecord(assignedAt: t0, onSiteAt: nil, fixedAt: h(5), revisited: false),
        ])
        #expect(figures.assigned == 4 && figures.fixed == 3)
        #expect(figures.medianHoursToSite == 2 && figures.medianHoursSiteToFixed == 3)
        #expect(figures.fixedFirstVisitPct == 66.67)
        #expect(FieldFigures([]).fixedFirstVisitPct == nil && FieldFigures([]).medianHoursToSite == nil)
    }
}
