import Domain
import Foundation
import Gateway
import GRDB
import Store
import TestSupport
import Testing

/// A ticket's duplicates and its master are always in one MOE, so no action taken in one MOE can
/// reach a ticket of another.
@Suite struct DuplicateChainTests {
    func act(_ world: TestGateway, _ action: TicketAction, on reference: Reference, scope: String?) async throws -> ActionOutcome {
        try await world.staff.perform(action, on: reference, scope: scope, actor: "test", at: world.clock.now(), notice: world.gateway.engine.noticeWording)
    }

    @Test func reroutingADuplicateDetachesItSoAnotherMOECannotReachTheMaster() async throws {
        let world = try TestGateway()
        let master = try await world.report("water", "burst_pipe")
        let duplicate = try await world.report("water", "leak")
        let other = try await world.report("electricity", "outage")
        #expect(try await act(world, .duplicate(of: master), on: duplicate, scope: "water") == .done)
        #expect(try await act(world, .reroute(moe: "electricity", queue: "power-general", reason: "it is a cable fault"), on: duplicate, scope: "water") == .done)
        #expect(try await world.staff.ticket(duplicate, moe: "electricity")?.duplicateOf == nil)
        #expect(try await world.staff.ticket(duplicate, moe: "electricity")?.status == .new)
        // The electricity MOE marks its ticket a duplicate of the moved one: it lands there, not on water's master.
        #expect(try await act(world, .duplicate(of: duplicate), on: other, scope: "electricity") == .done)
        #expect(try await world.staff.ticket(other, moe: "electricity")?.duplicateOf == duplicate.digits)
        let masterFile = try #require(try await world.staff.file(master, scope: "water"))
        #expect(masterFile.duplicates.isEmpty)
        // Resolving water's master tells nobody in electricity's queue.
        try await world.update(master, to: .resolved, publicUpdate: "Fixed")
        #expect(try await world.tickets.history(of: other).map(\.kind) == ["created", "duplicate"])
    }

    @Test func evenAnAdministratorCannotJoinTicketsOfTwoMOEs() async throws {
        let world = try TestGateway()
        let water = try await world.report("water", "burst_pipe")
        let roads = try await world.report("roads", "pothole")
        guard case .refused = try await act(world, .duplicate(of: roads), on: water, scope: nil) else {
            Issue.record("a water ticket was made a duplicate of a roads ticket")
            return
        }
        #expect(try await world.staff.ticket(water, moe: nil)?.duplicateOf == nil)
    }

    @Test func theAuditLogRefusesUpdatesAndEarlyDeletes() async throws {
        let world = try TestGateway()
        try await world.staff.audit(actor: "thandi", action: .showNumber, reference: nil, detail: "+27 82 *** 4567", address: "192.0.2.1", at: world.clock.now())
        #expect(throws: (any Error).self) {
            try world.database.writer.write { db in try db.execute(sql: "UPDATE audit_log SET actor = 'someone else'") }
        }
        #expect(throws: (any Error).self) {
            try world.database.writer.write { db in try db.execute(sql: "DELETE FROM audit_log") }
        }
        let actors = try await world.database.writer.read { db in try String.fetchAll(db, sql: "SELECT actor FROM audit_log") }
        #expect(actors == ["thandi"])
        // Rows past the three-year retention period may go (the retention purge does that).
        try await world.database.writer.write { db in
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action) VALUES (?, 'old', 'signed in')", arguments: [Date(timeIntervalSince1970: 1_600_000_000)])
            try db.execute(sql: "DELETE FROM audit_log WHERE actor = 'old'")
        }
    }
}

/// The due date is a column set when the ticket is made: the service level's target on its calendar.
@Suite struct DueDateTests {
    @Test func aNewTicketStoresItsDueDateAndOlderTicketsGetOneOnce() async throws {
        let world = try TestGateway()
        let reference = try await world.report("water", "burst_pipe")
        let levels = try shippedDefinitions().engine().serviceLevels
        let target = levels.targets(service: "water", fault: "burst_pipe", moe: "water", from: world.clock.now())
        let stored = try await world.database.writer.read { db in
            try Date.fetchOne(db, sql: "SELECT due_at FROM tickets WHERE reference = ?", arguments: [reference.digits])
        }
        let due = try #require(stored)
        #expect(abs(due.timeIntervalSince(target.resolve)) < 1)
        #expect(abs(due.timeIntervalSince(world.clock.now()) - 24 * 3600) < 1, "a burst pipe: 24 hours, every hour counted")
        #expect(try await world.staff.ticket(reference, moe: nil)?.dueAt.map { abs($0.timeIntervalSince(due)) < 1 } == true)
        // A ticket from before the column existed gets it from the catalogue, once.
        try await world.database.writer.write { db in try db.execute(sql: "UPDATE tickets SET due_at = NULL") }
        #expect(try world.staff.storeMissingDueDates() == 1)
        #expect(try world.staff.storeMissingDueDates() == 0)
        let backfilled = try await world.database.writer.read { db in try Date.fetchOne(db, sql: "SELECT due_at FROM tickets") }
        #expect(backfilled.map { abs($0.timeIntervalSince(due)) < 1 } == true)
    }
}
