import Domain
import Foundation
import Gateway
import Persistence
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

    /// Organisations' rows and Open311 points are never merged silently: a likely duplicate is
    /// filed, linked to its match (the row result says so), counted and filtered in the queue.
    @Test(arguments: StoreKind.available)
    func aRowAndAPointThatLikelyRepeatAnOpenTicketAreFiledAndLinked(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let (ward, _) = try await w.organisations.organisations.add(name: "Ward 9", dailyQuota: 1000, at: w.now)
            func row(_ address: String) async throws -> RowResult { try await w.burstPipe(at: address, from: ward) }
            let bulk = w.organisations.bulk
            func point(_ lat: Double, _ address: String) async throws -> RowResult {
                w.organisations.clock.advance(60)
                let prepared = try bulk.prepare(header: BulkReports.columns,
                                            records: [(number: 2, fields: ["p\(UUID().uuidString.prefix(8))", "water.burst_pipe", "soweto", address, "", ""])])
                let placed = bulk.placed(try #require(prepared.good.first), at: GeoPoint(lat: lat, long: 27.88), outsideAreas: false, details: nil)
                return try #require(try await bulk.store([placed], bad: [], for: ward, in: w.organisations.organisations).first)
            }
            let first = try await row("12 Vilakazi St")
            #expect(first.possible_duplicate_of == nil)
            let again = try await row("12 vilakazi street, Orlando West")
            #expect(again.reference != nil && again.possible_duplicate_of == first.reference, "filed, and linked to the first")
            #expect(try await row("14 Vilakazi St").possible_duplicate_of == nil, "another house")
            let clinic = try await point(-26.25, "opposite the clinic")
            #expect(clinic.possible_duplicate_of == nil)
            let near = try await point(-26.25027, "by the bus stop")          // 30 m north
            #expect(near.possible_duplicate_of == clinic.reference, "30 m apart")
            #expect(try await point(-26.2509, "next to the church").possible_duplicate_of == nil, "100 m from the first, 70 m from the second")

            var query = WorklistQuery(scope: "water")
            let queue = try await w.staff.worklist(query, now: w.now)
            #expect(queue.possibleDuplicates == 2)
            query.possibleDuplicates = true
            let waiting = try await w.staff.worklist(query, now: w.now)
            #expect(Set(waiting.tickets.map(\.reference)) == Set([again.reference, near.reference].compactMap { $0 }))
            #expect(waiting.tickets.first { $0.reference == near.reference }?.possibleDuplicateOf == clinic.reference)
            #expect(try await w.staff.worklist(WorklistQuery(scope: "roads"), now: w.now).possibleDuplicates == 0, "another MOE's")
            // Merged by a dispatcher: no longer waiting.
            let a = try Reference(parsing: try #require(again.reference)), f = try Reference(parsing: try #require(first.reference))
            #expect(try await w.act(.duplicate(of: f), on: a, scope: "water") == .done)
            #expect(try await w.staff.worklist(WorklistQuery(scope: "water"), now: w.now).possibleDuplicates == 1)
            let nearReference = try Reference(parsing: try #require(near.reference))
            let history = try #require(try await w.staff.file(nearReference, scope: "water")).history
            #expect(history.contains { $0.kind == .possibleDuplicate && ($0.note ?? "").contains("30 m apart") })
        }
    }

    /// A report by street number reads only the open tickets at that number (`street_number`,
    /// kept as each ticket is filed): "012" is number 12, "112", "120" and a corner are not. A
    /// ticket filed before the number was kept is read once at start (`StreetNumbers.fill`), so
    /// it is found again; before that it would not be.
    @Test(arguments: StoreKind.available)
    func aRowIsComparedWithTheTicketsAtItsStreetNumberAndOlderTicketsAreReadOnce(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let (ward, _) = try await w.organisations.organisations.add(name: "Ward 9", dailyQuota: 1000, at: w.now)
            func row(_ address: String) async throws -> RowResult { try await w.burstPipe(at: address, from: ward) }
            let store = try #require(w.staff as? any SQLBacked)
            func atTwelve() async throws -> Set<String> {
                let sql = DuplicateStatements.candidates(service: "water", moe: "water", area: "soweto", digits: "12",
                                                         since: Date(timeIntervalSince1970: 0), limit: 100)
                return Set(try await store.statements.read(sql, DuplicateStatements.candidate).map(\.address))
            }
            let padded = try await row("012 Vilakazi St")
            var others: [String: RowResult] = [:]
            for other in ["112 Vilakazi St", "120 Vilakazi St", "cnr Vilakazi & Moema", "Vilakazi St"] {
                others[other] = try await row(other)
                #expect(others[other]?.possible_duplicate_of == nil, "\(other) is not number 12")
            }
            let again = try await row("12 vilakazi street, Orlando West")
            #expect(again.possible_duplicate_of == padded.reference, "012 is 12")
            #expect(try await row("No. 112 Vilakazi Str").possible_duplicate_of == others["112 Vilakazi St"]?.reference)
            #expect(try await atTwelve() == ["012 Vilakazi St", "12 vilakazi street, Orlando West"], "only number 12 is read")

            // As if filed before v24: no number kept, so none is found until the addresses are read.
            try await w.execute("UPDATE tickets SET street_number = NULL")
            #expect(try await atTwelve().isEmpty)
            #expect(try await StreetNumbers.fill(store.statements, batch: 2) == 7, "every address, two per transaction")
            #expect(try await StreetNumbers.fill(store.statements) == 0, "each address is read once")
            #expect(try await atTwelve() == ["012 Vilakazi St", "12 vilakazi street, Orlando West"])
            #expect(try await row("12 Vilakazi Street").possible_duplicate_of == again.reference, "the newest at number 12")
        }
    }

    /// A resident added to a ticket ("Add me to it") is one more report of it: counted on its page
    /// and in the figures, told its news, part of a subject request, gone with erasure and purge.
    @Test(arguments: StoreKind.available)
    func aJoinedNumberHearsTheNewsAndIsPersonalDataLikeAnyReporter(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let line = "REPORT WATER burst pipe at 12 Vilakazi St"
            let reporter = MSISDN("+27820000001")!, joiner = MSISDN("+27829870001")!, other = MSISDN("+27829870002")!
            func sms(_ from: MSISDN, _ text: String) async {
                await w.sms.handle(InboundSMS(provider: "kannel", providerID: nil, from: from, to: nil, text: text))
            }
            await sms(reporter, line)
            let open = try await w.staff.worklist(WorklistQuery(scope: "water"), now: w.now).tickets
            let ticket = try Reference(parsing: try #require(open.first?.reference))
            for number in [joiner, other] {
                w.organisations.clock.advance(60)
                await sms(number, line)
                await sms(number, "1")
            }
            #expect(try await w.staff.worklist(WorklistQuery(scope: "water"), now: w.now).total == 1, "no ticket of their own")
            let file = try #require(try await w.staff.file(ticket, scope: "water"))
            #expect(file.reporters == 3)
            #expect(file.history.filter { $0.kind == .reporterAdded }.count == 2)
            let day = w.now.addingTimeInterval(-86400)
            let figures = try await w.staff.indicatorTickets(moe: "water", from: day, to: w.now.addingTimeInterval(60))
            #expect(Indicators(figures, now: w.now).reportsAdded == 2)

            // The ticket's news reaches them as its reporter's does.
            #expect(try await w.act(.status(.inProgress, publicUpdate: "Crew on site", internalNote: nil, expectedAt: nil), on: ticket, scope: nil) == .done)
            let cells = try #require(w.cellsContaining)
            let due = try await #require(w.outbox).claimDue(limit: 100, now: w.now, cap: nil, pseudonyms: nil)
            #expect(Set(due.filter { $0.body.contains("Crew on site") }.map(\.to)) == [reporter, joiner, other])

            // Their subject request names the ticket; erasure takes the number away.
            let subjects = try #require(w.retention as? any SubjectStore)
            #expect(try await subjects.subjectData(joiner).joined_tickets.map(\.reference) == [ticket.digits])
            _ = try await subjects.erase(joiner, pseudonym: StaffWorld.pseudonyms.of(joiner.e164), actor: "test", at: w.now)
            #expect(try await cells(joiner.e164) == [])
            #expect(try await subjects.subjectData(joiner).joined_tickets.isEmpty)
            // A year after the ticket closed, the purge takes the other's.
            #expect(try await w.act(.status(.closed, publicUpdate: nil, internalNote: "done", expectedAt: nil), on: ticket, scope: nil) == .done)
            w.organisations.clock.advance(400 * 86400)
            let purge = Purge(store: try #require(w.retention), audit: w.staff, policy: RetentionPolicy(), pseudonyms: StaffWorld.pseudonyms,
                              clock: w.organisations.clock)
            _ = try await purge.run(dryRun: false)
            #expect(try await cells(other.e164).filter { !$0.hasPrefix("outbox") } == [], "(messages never sent stay until they are)")
        }
    }
}

extension StaffWorld {
    /// An organisation's row: a burst pipe in Soweto at `address`, a minute after the one before.
    func burstPipe(at address: String, from ward: Organisation) async throws -> RowResult {
        organisations.clock.advance(60)
        return try #require(try await organisations.upload([["r\(UUID().uuidString.prefix(8))", "water.burst_pipe", "soweto", address, "", ""]],
                                                           for: ward).first)
    }
}
