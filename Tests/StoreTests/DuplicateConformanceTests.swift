import Domain
import Foundation
import Gateway
import TestSupport
import Testing

/// Likely duplicates for a dispatcher, on both stores: the open tickets of the ticket's MOE that
/// the rule says are the same fault, closest and newest first, and none once merged.
@Suite struct DuplicateConformanceTests {
    @Test(arguments: StoreKind.available)
    func aTicketsLikelyDuplicatesAreFoundWithinItsMOEAndGoOnceMerged(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let (ward, _) = try await w.organisations.organisations.add(name: "Ward 9", dailyQuota: 1000, at: w.now)
            func report(_ code: String, _ address: String, area: String = "soweto") async throws -> Reference {
                w.organisations.clock.advance(600)
                let row = ["x\(UUID().uuidString.prefix(8))", code, area, address, "", "0821110001"]
                return try Reference(parsing: try #require(try await w.organisations.upload([row], for: ward).first?.reference))
            }
            let first = try await report("water.burst_pipe", "12 Vilakazi St")
            let second = try await report("water.burst_pipe", "12 vilakazi street, Orlando West")
            let related = try await report("water.no_water", "No. 12 Vilakazi Str")
            _ = try await report("water.meter", "12 Vilakazi St")          // another fault
            _ = try await report("water.burst_pipe", "14 Vilakazi St")     // another house
            _ = try await report("water.burst_pipe", "12 Vilakazi St", area: "alexandra")  // another area
            let search = LikelyDuplicateSearch(finder: w.staff, rules: w.engine.catalogue.duplicateRules)

            let found = try await search.likely(first, scope: "water")
            #expect(found.map(\.ticket.reference) == [related, second], "the same place, newest first")
            #expect(found.allSatisfy { $0.reason == .samePlace })
            #expect(try await search.likely(second, scope: "water").map(\.ticket.reference) == [related, first])
            // Another MOE's dispatcher: no such ticket for them.
            #expect(try await search.likely(first, scope: "roads").isEmpty)

            // Past the burst pipe's window (2 days) the older ticket is news no more.
            w.organisations.clock.advance(3 * 86400)
            let late = try await report("water.burst_pipe", "12 Vilakazi St")
            #expect(try await search.likely(late, scope: "water").isEmpty)

            // Merged: a duplicate is no longer open, and is not offered again.
            #expect(try await w.act(.duplicate(of: first), on: second, scope: "water") == .done)
            #expect(try await search.likely(first, scope: "water").map(\.ticket.reference) == [related])
            #expect(try await search.likely(second, scope: "water").isEmpty)
        }
    }
}
