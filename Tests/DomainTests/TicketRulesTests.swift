import Domain
import Foundation
import TestSupport
import Testing

/// The rules of a ticket's life, decided without any store: every action's changes or refusal.
@Suite struct TicketRulesTests {
    let ref: Reference
    let other: Reference

    init() {
        var draws = SeededGenerator(state: 3)
        ref = Reference.random(using: &draws)
        other = Reference.random(using: &draws)
    }

    func ticket(_ status: TicketStatus = .new, moe: String = "water", queue: String = "water-south", expected: Date? = nil,
                duplicateOf: Reference? = nil) -> TicketState {
        TicketState(reference: ref, status: status, moe: moe, queue: queue, expectedAt: expected, duplicateOf: duplicateOf)
    }

    func changes(_ r: Result<TicketChanges, TicketRefusal>) throws -> TicketChanges { try r.get() }

    @Test func acknowledgingAnOpenTicketTellsTheReportersAndAClosedOneIsRefused() throws {
        let c = try changes(ticket().decide(.acknowledge))
        #expect(c.status == .acknowledged && c.notice == .status(.acknowledged, update: nil))
        #expect(c.event == TicketEventRecord(kind: .status, from: .new, to: .acknowledged, note: nil, isPublic: true))
        #expect(ticket(.resolved).decide(.acknowledge) == .failure(.notOpen(.resolved)))
    }

    @Test func assigningMovesANewTicketOnButNotOneUnderWay() throws {
        let fresh = try changes(ticket().decide(.assign(to: "  Crew 7 ")))
        #expect(fresh.status == .assigned && fresh.assignee == .set("Crew 7") && fresh.notice == .status(.assigned, update: nil))
        let busy = try changes(ticket(.inProgress).decide(.assign(to: "Crew 8")))
        #expect(busy.status == nil && busy.notice == nil && busy.event.kind == .assigned && busy.event.to == .inProgress)
        #expect(ticket().decide(.assign(to: "   ")) == .failure(.assigneeMissing))
        #expect(ticket().decide(.assign(to: String(repeating: "x", count: 81))) == .failure(.assigneeMissing))
    }

    @Test func aStatusChangeIsPublicOnlyWithAnUpdateAndSchedulingNeedsADate() throws {
        let note = try changes(ticket().decide(.status(.inProgress, publicUpdate: nil, internalNote: "valve ordered", expectedAt: nil)))
        #expect(note.notice == nil && note.event.isPublic == false && note.event.note == "valve ordered")
        let update = try changes(ticket().decide(.status(.resolved, publicUpdate: "Fixed", internalNote: nil, expectedAt: nil)))
        #expect(update.notice == .status(.resolved, update: "Fixed") && update.publicUpdate == "Fixed")
        #expect(ticket().decide(.status(.scheduled, publicUpdate: "Soon", internalNote: nil, expectedAt: nil)) == .failure(.scheduledWithoutDate))
        let day = Date(timeIntervalSince1970: 1_796_022_000)
        #expect((try? ticket(expected: day).decide(.status(.scheduled, publicUpdate: nil, internalNote: "x", expectedAt: nil)).get()) != nil)
        #expect(ticket().decide(.status(.new, publicUpdate: nil, internalNote: nil, expectedAt: nil)) == .failure(.useRerouteOrDuplicate))
        #expect(ticket().decide(.status(.duplicate, publicUpdate: nil, internalNote: nil, expectedAt: nil)) == .failure(.useRerouteOrDuplicate))
    }

    @Test func reroutingMakesNewWorkElsewhereAndDetachesADuplicate() throws {
        let c = try changes(ticket(.acknowledged).decide(.reroute(moe: "electricity", queue: "power-south", reason: " cable ")))
        #expect(c.status == .new && c.assignee == .clear && c.move?.moe == "electricity" && c.move?.queue == "power-south" && !c.detach)
        #expect(c.event.note == "from water/water-south to electricity/power-south: cable")
        #expect(try changes(ticket(duplicateOf: other).decide(.reroute(moe: "roads", queue: "roads-general", reason: "x"))).detach)
        #expect(ticket().decide(.reroute(moe: "water", queue: "water-south", reason: "x")) == .failure(.sameQueue("water-south")))
        #expect(ticket().decide(.reroute(moe: "roads", queue: "roads-general", reason: "  ")) == .failure(.reasonMissing))
    }

    @Test func aDuplicateJoinsOnlyAMasterOfItsOwnMOE() throws {
        let master = TicketState(reference: other, status: .acknowledged, moe: "water", queue: "water-north", expectedAt: nil, duplicateOf: nil)
        let c = try changes(ticket().decide(.duplicate(of: other), master: master))
        #expect(c.status == .duplicate && c.duplicateOf == other && c.notice == .merged(into: other))
        #expect(c.masterEvent?.kind == .merged && c.masterEvent?.note == "\(ref.grouped) merged in")
        var elsewhere = master
        elsewhere.moe = "roads"
        #expect(ticket().decide(.duplicate(of: other), master: elsewhere) == .failure(.noSuchMaster(other, moe: "water")))
        #expect(ticket().decide(.duplicate(of: other), master: nil) == .failure(.noSuchMaster(other, moe: "water")))
        #expect(ticket().decide(.duplicate(of: ref), master: ticket()) == .failure(.duplicateOfItself))
    }
}
