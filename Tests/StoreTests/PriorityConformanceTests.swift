import Domain
import Foundation
import Gateway
import TestSupport
import Testing

/// Ticket priority on both stores: urgent from the catalogue at creation, first in the queue
/// within its status, raised and lowered by dispatchers with history and audit.
@Suite struct PriorityConformanceTests {
    @Test(arguments: StoreKind.available)
    func anUrgentFaultStartsUrgentAndComesFirstInTheQueue(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            // A leak is normal, a sewage overflow urgent (menus/catalogue.yaml); the leak is older.
            let refs = try await w.tickets([("water.leak", "0821110001"), ("water.sewage", "0821110002"), ("water.leak", "0821110003")])
            let (leak, sewage, laterLeak) = (refs[0], refs[1], refs[2])
            #expect(try await w.staff.ticket(sewage, moe: "water")?.priority == .urgent)
            #expect(try await w.staff.ticket(leak, moe: "water")?.priority == .normal)

            var query = WorklistQuery(scope: "water")
            var list = try await w.staff.worklist(query, now: w.now)
            #expect(list.tickets.map(\.reference) == [sewage.digits, leak.digits, laterLeak.digits])
            // Newest first is the dispatcher's choice: time alone.
            query.sort = .newest
            list = try await w.staff.worklist(query, now: w.now)
            #expect(list.tickets.map(\.reference) == [laterLeak.digits, sewage.digits, leak.digits])

            // Within its status: an acknowledged urgent ticket comes first among the acknowledged.
            #expect(try await w.act(.acknowledge, on: sewage, scope: "water") == .done)
            #expect(try await w.act(.acknowledge, on: leak, scope: "water") == .done)
            query = WorklistQuery(scope: "water")
            query.statuses = [.acknowledged]
            #expect(try await w.staff.worklist(query, now: w.now).tickets.map(\.reference) == [sewage.digits, leak.digits])
        }
    }

    @Test(arguments: StoreKind.available)
    func aDispatcherRaisesAndLowersPriorityWithAReasonOnRecord(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let refs = try await w.tickets([("water.leak", "0821110001"), ("water.leak", "0821110002")])
            let (leak, other) = (refs[0], refs[1])
            // No reason, the same priority, or another MOE's ticket: refused, nothing written.
            #expect(try await w.act(.prioritise(.urgent, reason: "  "), on: leak, scope: "water") == .refused(TicketRefusal.priorityReasonMissing.description))
            #expect(try await w.act(.prioritise(.normal, reason: "why not"), on: leak, scope: "water")
                    == .refused(TicketRefusal.samePriority(.normal).description))
            #expect(try await w.act(.prioritise(.urgent, reason: "school next door"), on: leak, scope: "roads") == .notFound)
            #expect(try await w.staff.file(leak, scope: "water")?.history.count == 1)
            let reporter = try #require(MSISDN("0821110001"))
            let told = try await w.organisations.outbox(reporter).count

            #expect(try await w.act(.prioritise(.urgent, reason: "school next door"), on: leak, scope: "water") == .done)
            #expect(try await w.staff.ticket(leak, moe: "water")?.priority == .urgent)
            #expect(try await w.staff.worklist(WorklistQuery(scope: "water"), now: w.now).tickets.first?.reference == leak.digits)
            let file = try #require(try await w.staff.file(leak, scope: "water"))
            let entry = try #require(file.history.last)
            #expect(entry.kind == .priority && entry.note == "urgent: school next door" && !entry.isPublic && entry.actor == "tester")
            let audit = try await w.staff.auditEntries(scope: "water", limit: 5, offset: 0).filter { $0.reference == leak.digits }
            #expect(audit.map(\.action) == [.ticket(.prioritise(.urgent, reason: ""))] && audit.first?.detail == "school next door" && audit.first?.actor == "tester")
            // Residents are not told.
            #expect(try await w.organisations.outbox(reporter).count == told)

            #expect(try await w.act(.prioritise(.normal, reason: "leak contained"), on: leak, scope: "water") == .done)
            #expect(try await w.staff.ticket(leak, moe: "water")?.priority == .normal)
            #expect(try await w.staff.worklist(WorklistQuery(scope: "water"), now: w.now).tickets.map(\.reference) == [leak.digits, other.digits])
            // A closed ticket keeps its priority.
            #expect(try await w.act(.status(.closed, publicUpdate: nil, internalNote: "done", expectedAt: nil), on: other, scope: "water") == .done)
            #expect(try await w.act(.prioritise(.urgent, reason: "again"), on: other, scope: "water") == .refused(TicketRefusal.notOpen(.closed).description))
        }
    }
}
