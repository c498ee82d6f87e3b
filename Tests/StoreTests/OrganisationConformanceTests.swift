import Domain
import FlowEngine
import Foundation
import Gateway
import PostgresNIO
import PostgresStore
import Store
import TestSupport
import Testing

/// Organisations, the Open311 listing and the statistics of one store of each kind.
struct OrganisationWorld: Sendable {
    let organisations: any OrganisationPortal
    let listing: any RequestListing
    let statistics: any OperationalStatistics
    let bulk: BulkReports
    let clock: TestClock
    let outbox: @Sendable (MSISDN) async throws -> [String]

    static func with(_ kind: StoreKind, _ body: (OrganisationWorld) async throws -> Void) async throws {
        let definitions = try shippedDefinitions()
        let clock = TestClock(), references = TestReferences(seed: 9)
        let bulk = BulkReports(engine: definitions.engine(), clock: clock, references: { references.next() })
        switch kind {
        case .sqlite:
            let db = try AppDatabase.inMemory()
            let rows = SQLiteTicketStore(db)
            try await body(OrganisationWorld(organisations: SQLiteOrganisationStore(db), listing: SQLiteRequestListing(db),
                                             statistics: SQLiteStatistics(db), bulk: bulk, clock: clock,
                                             outbox: { try await rows.outbox(for: $0).map(\.body) }))
        case .postgres:
            try await FreshPostgres.with { database in
                let client = database.client
                try await body(OrganisationWorld(
                    organisations: PostgresOrganisationStore(database), listing: PostgresRequestListing(database),
                    statistics: PostgresStatistics(database), bulk: bulk, clock: clock,
                    outbox: { m in
                        var out: [String] = []
                        for try await b in try await client.query("SELECT body FROM outbox WHERE msisdn = \(m.e164) ORDER BY id").decode(String.self) { out.append(b) }
                        return out
                    }))
            }
        }
    }

    /// CSV rows as an upload brings them (row numbers from 2).
    func upload(_ rows: [[String]], for organisation: Organisation, upload: Int64? = nil) async throws -> [RowResult] {
        let prepared = try bulk.prepare(header: BulkReports.columns, records: rows.enumerated().map { (number: $0.offset + 2, fields: $0.element) },
                                        upload: upload)
        return try await bulk.store(prepared.good, bad: prepared.bad, for: organisation, in: organisations)
    }
}

@Suite struct OrganisationConformanceTests {
    @Test(arguments: StoreKind.available)
    func organisationsAreAddedAuthenticatedChangedAndRevoked(_ kind: StoreKind) async throws {
        try await OrganisationWorld.with(kind) { w async throws in
            let (ward, key) = try await w.organisations.add(name: "Ward 12", dailyQuota: 200, at: w.clock.now())
            #expect(key.hasPrefix("cg_") && ward.keyPrefix == String(key.prefix(7)) && ward.dailyQuota == 200)
            #expect(try await w.organisations.authenticate(key: key)?.id == ward.id)
            #expect(try await w.organisations.authenticate(key: key + "x") == nil)
            #expect(try await w.organisations.organisation(named: "Ward 12")?.id == ward.id)
            #expect(try await w.organisations.organisation(named: String(ward.id))?.name == "Ward 12")
            #expect(try await w.organisations.setDailyQuota("Ward 12", to: 75))
            #expect(try await w.organisations.list().map(\.dailyQuota) == [75])
            #expect(try await w.organisations.revoke("Ward 12", at: w.clock.now()))
            #expect(try await !w.organisations.revoke("Ward 12", at: w.clock.now()), "already revoked")
            #expect(try await w.organisations.authenticate(key: key) == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func anUploadIsIdempotentKeepsItsQuotaAndConfirmsEachNumberOnce(_ kind: StoreKind) async throws {
        try await OrganisationWorld.with(kind) { w async throws in
            let (ward, _) = try await w.organisations.add(name: "Ward 12", dailyQuota: 4, at: w.clock.now())
            let rows = (1...5).map { ["r\($0)", "water.leak", "soweto", "\($0) Vilakazi St", "", "0821234567"] }
            let first = try await w.upload(rows, for: ward)
            #expect(first.filter { $0.reference != nil }.count == 4)
            #expect(first.last?.errors?.first?.message.contains("daily quota of 4") == true)
            let again = try await w.upload(rows, for: ward)
            #expect(again.map(\.reference) == first.map(\.reference), "re-uploading creates nothing new")
            let sms = try await w.outbox(MSISDN("+27821234567")!)
            #expect(sms.count == 1 && sms[0].contains("4 reports"), "\(sms)")
            let listed = try await w.listing.requests(RequestFilter())
            #expect(Set(listed.map(\.ticket.reference.digits)) == Set(first.compactMap(\.reference)))
        }
    }

    @Test(arguments: StoreKind.available)
    func anUploadKeepsItsProgressAndResultsAndItsReportsAreListedByUploadWithinTheOrganisation(_ kind: StoreKind) async throws {
        try await OrganisationWorld.with(kind) { w async throws in
            let (ward, _) = try await w.organisations.add(name: "Ward 12", dailyQuota: 100, at: w.clock.now())
            let (other, _) = try await w.organisations.add(name: "Kliptown NGO", dailyQuota: 100, at: w.clock.now())
            let id = try await w.organisations.startUpload(organisation: ward.id, by: "nomsa", filename: "walk.csv", rows: 3, at: w.clock.now())
            #expect(try await w.organisations.upload(id, organisation: other.id) == nil, "another organisation's upload")
            try await w.organisations.recordProgress(id, done: 1, at: w.clock.now())
            var upload = try #require(try await w.organisations.upload(id, organisation: ward.id))
            #expect(upload.status == .processing && upload.doneRows == 1 && upload.totalRows == 3 && upload.filename == "walk.csv")
            #expect(!upload.isStalled(at: w.clock.now()) && upload.isStalled(at: w.clock.now().addingTimeInterval(601)))

            _ = try await w.upload([["e1", "water.leak", "soweto", "1 Main Rd", "", ""]], for: ward)
            let rows = try await w.upload([["e1", "water.leak", "soweto", "1 Main Rd", "", ""], ["e2", "roads.pothole", "soweto", "2 Main Rd", "", ""],
                                           ["e3", "nothing", "soweto", "3 Main Rd", "", ""]], for: ward, upload: id)
            #expect(rows.map(\.duplicate) == [true, nil, nil], "e1 came in an earlier file")
            let outcome = UploadOutcome(rows)
            #expect((outcome.accepted, outcome.duplicates, outcome.rejected) == (1, 1, 1))
            try await w.organisations.finishUpload(id, outcome, at: w.clock.now())
            upload = try #require(try await w.organisations.upload(id, organisation: ward.id))
            #expect(upload.status == .done && upload.doneRows == 3 && (upload.accepted, upload.duplicates, upload.rejected) == (1, 1, 1))
            #expect(try await w.organisations.uploadResults(id, organisation: ward.id) == rows)
            #expect(try await w.organisations.uploadResults(id, organisation: other.id) == nil)
            #expect(try await w.organisations.uploads(organisation: ward.id, limit: 10).map(\.id) == [id])

            _ = try await w.upload([["k1", "water.leak", "soweto", "9 Union Rd", "", "0821234567"]], for: other)
            let ours = try await w.organisations.organisationRequests(ward.id, OrganisationRequestFilter())
            #expect(ours.map(\.externalID) == ["e2", "e1"], "newest first, its own only")
            #expect(try await w.organisations.organisationRequests(ward.id, OrganisationRequestFilter(upload: id)).map(\.externalID) == ["e2"])
            #expect(try await w.organisations.organisationRequests(ward.id, OrganisationRequestFilter(service: "water")).map(\.externalID) == ["e1"])
            #expect(try await w.organisations.organisationRequests(ward.id, OrganisationRequestFilter(status: .closed)).isEmpty)
            #expect(try await w.organisations.organisationRequests(ward.id, OrganisationRequestFilter(area: "soweto")).count == 2)
            let e2 = try Reference(parsing: try #require(ours.first?.reference))
            let (report, history) = try #require(try await w.organisations.organisationRequest(ward.id, e2))
            #expect(report.address == "2 Main Rd" && report.upload == id && history.isEmpty, "nothing public yet beyond the report itself")
            #expect(try await w.organisations.organisationRequest(other.id, e2) == nil)

            let failed = try await w.organisations.startUpload(organisation: ward.id, by: "nomsa", filename: "x.csv", rows: 1, at: w.clock.now())
            try await w.organisations.failUpload(failed, problem: "the disk is full", at: w.clock.now())
            #expect(try await w.organisations.upload(failed, organisation: ward.id)?.problem == "the disk is full")
        }
    }

    @Test(arguments: StoreKind.available)
    func theOpen311ListingFiltersAndPagesAndTheStatisticsCount(_ kind: StoreKind) async throws {
        try await OrganisationWorld.with(kind) { w async throws in
            let (ward, _) = try await w.organisations.add(name: "Ward 12", dailyQuota: 100, at: w.clock.now())
            var rows: [[String]] = []
            for i in 1...6 { rows.append(["w\(i)", i % 2 == 0 ? "water.leak" : "roads.pothole", "soweto", "\(i) Main Rd", "desc \(i)", ""]) }
            let stored = try await w.upload(rows, for: ward).compactMap(\.reference)
            #expect(stored.count == 6)
            var water = RequestFilter()
            water.services = [.init(service: "water", fault: nil)]
            #expect(try await w.listing.requests(water).count == 3)
            var leak = RequestFilter()
            leak.services = [.init(service: "water", fault: "leak"), .init(service: "roads", fault: "pothole")]
            #expect(try await w.listing.requests(leak).count == 6)
            var one = RequestFilter()
            one.references = [try Reference(parsing: stored[2])]
            let found = try await w.listing.requests(one)
            #expect(found.map(\.ticket.reference.digits) == [stored[2]] && found.first?.description == "desc 3" && found.first?.address == "3 Main Rd")
            var closed = RequestFilter()
            closed.open = false
            #expect(try await w.listing.requests(closed).isEmpty)
            var paged = RequestFilter()
            paged.pageSize = 4
            paged.page = 2
            #expect(try await w.listing.requests(paged).count == 2)
            paged.page = .max
            #expect(try await w.listing.requests(paged).isEmpty)
            let readings = try await w.statistics.readings(now: Date(timeIntervalSince1970: 1_900_000_000))
            #expect(readings.contains(GaugeReading(name: "civicgate_tickets", labels: ["channel": "bulk", "status": "new"], value: 6)))
            #expect(readings.contains { $0.name == "civicgate_ussd_sessions" && $0.value == 0 })
            // Every bulk ticket here is open, and long past its due date at that `now` (2030).
            let open = readings.filter { $0.name == "civicgate_backlog_tickets" }.reduce(0) { $0 + $1.value }
            let overdue = readings.filter { $0.name == "civicgate_overdue_tickets" }.reduce(0) { $0 + $1.value }
            #expect(open == 6 && overdue == 6)
            #expect(readings.contains(GaugeReading(name: "civicgate_backlog_tickets", labels: ["moe": "roads"], value: 3)), "\(readings)")
            let early = try await w.statistics.readings(now: Date(timeIntervalSince1970: 0))
            #expect(early.filter { $0.name == "civicgate_overdue_tickets" }.allSatisfy { $0.value == 0 })
        }
    }
}
