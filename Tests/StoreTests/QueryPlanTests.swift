import Domain
import Foundation
import Gateway
import GRDB
@testable import Persistence
@testable import Store
import Testing

/// Queries that run on every claim or hop stay bounded by what they return, not by the table.
@Suite struct QueryPlanTests {
    @Test func claimingTheOutboxReadsAlongTheQueueInsteadOfSortingTheBacklog() throws {
        let database = try AppDatabase.inMemory()
        let now = "2026-12-01 08:00:00.000"
        try database.writer.write { db in
            for i in 0..<500 {
                try db.execute(sql: """
                    INSERT INTO outbox (msisdn, body, status, next_attempt_at, created_at, updated_at, priority)
                    VALUES (?, 'x', ?, ?, ?, ?, ?)
                    """, arguments: ["+2782\(1_000_000 + i)", i % 7 == 0 ? "held" : "pending", now, now, now, i % 2])
            }
        }
        let plan = try database.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + OutboxRows.claimQuery, arguments: [now, 8]).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("outbox_queue") }, "\(plan)")
        #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "a claim must not sort the whole backlog: \(plan)")
        let first = try database.writer.read { db in
            try Row.fetchAll(db, sql: OutboxRows.claimQuery, arguments: [now, 3]).map { $0[0] as Int64 }
        }
        #expect(first == [1, 3, 5], "priority 0 first, then by time and id")
    }

    /// A delivery report names the provider's id: it is found along `outbox_provider_id`, which
    /// holds only the messages that have one (a queued message writes no entry for its empty id).
    @Test func aDeliveryReportFindsItsMessageByTheProvidersIdAlongItsIndex() throws {
        let database = try AppDatabase.inMemory()
        guard case .step(let statements, _) = OutboxStatements.apply([DeliveryReport(message: .providerID("ATX-1"), state: .delivered), DeliveryReport(message: .providerID("ATX-2"), state: .sent)], now: Date()) else {
            Issue.record("a report runs a statement"); return
        }
        let plan = try database.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + statements[0].text(for: .sqlite), arguments: SQLiteStatements.arguments(statements[0]))
                .map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("outbox_provider_id") }, "\(plan)")
        let partial = try database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE name = 'outbox_provider_id'")
        }
        #expect(partial?.contains("WHERE provider_message_id IS NOT NULL") == true)
    }
}

/// A crew's jobs and a service's open tickets are read along their own indexes, not the whole table.
@Suite struct CrewAndDuplicatePlanTests {
    func plan(_ sql: Persistence.SQL) throws -> [String] {
        let database = try AppDatabase.inMemory()
        return try database.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql.text(for: .sqlite), arguments: SQLiteStatements.arguments(sql)).map { $0["detail"] as String }
        }
    }

    @Test func aCrewsJobsUseTicketsCrew() throws {
        let p = try plan(CrewStatements.jobs(crew: 7, limit: 20))
        #expect(p.contains { $0.contains("tickets_crew") } && !p.contains { $0.contains("TEMP B-TREE") }, "\(p)")
    }

    @Test func aServicesOpenTicketsUseTicketsServiceOpen() throws {
        let p = try plan(DuplicateStatements.candidates(service: "water", moe: "water", since: Date(timeIntervalSince1970: 0), limit: 500))
        #expect(p.contains { $0.contains("tickets_service_open") } && !p.contains { $0.contains("TEMP B-TREE") }, "\(p)")
    }

    /// Every report looks for its street number among open tickets: the number is a bound value,
    /// so the statement is prepared once per connection (it was one cached statement per number,
    /// 300 MB after importing 20,000 rows). Which numbers match: `DuplicateOfferTests`.
    @Test func theStreetNumberSearchedForIsBoundNotWrittenIntoTheStatement() {
        let since = Date(timeIntervalSince1970: 0), caller = MSISDN("+27821234567")!
        for dialect in [SQLDialect.sqlite, .postgres] {
            let a = DuplicateStatements.candidates(service: "water", moe: "water", area: "soweto", digits: "12", since: since, limit: 200)
            let b = DuplicateStatements.candidates(service: "water", moe: "water", area: "soweto", digits: "3456", since: since, limit: 200)
            #expect(a.text(for: dialect) == b.text(for: dialect) && !a.text(for: dialect).contains("12"))
            #expect(a.binds.contains(.text("12")) && b.binds.contains(.text("3456")))
            let c = ReportStatements.offers(service: "water", area: "soweto", since: since, digits: "7", notReportedBy: caller, limit: 5)
            let d = ReportStatements.offers(service: "water", area: "soweto", since: since, digits: "88", notReportedBy: caller, limit: 5)
            #expect(c.text(for: dialect) == d.text(for: dialect))
        }
    }

    /// The offer on a confirmation hop, and an organisation's row: by street number, the open
    /// tickets at that number along `tickets_service_number_open`; a corner or a landmark, one
    /// area's open tickets of the service along `tickets_service_area_open`; never the service's
    /// whole window, with SQLite's statistics of many open tickets too.
    @Test func aReportReadsTheTicketsAtItsNumberOrInItsArea() throws {
        let since = Date(timeIntervalSince1970: 0), caller = MSISDN("+27821234567")!
        let cases: [(Persistence.SQL, String)] = [
            (ReportStatements.offers(service: "water", area: "soweto", since: since, digits: "12", notReportedBy: caller, limit: 200), "tickets_service_number_open"),
            (DuplicateStatements.candidates(service: "water", moe: "water", area: "soweto", digits: "12", since: since, limit: 200), "tickets_service_number_open"),
            (ReportStatements.offers(service: "water", area: "soweto", since: since, digits: nil, notReportedBy: caller, limit: 200), "tickets_service_area_open"),
            (DuplicateStatements.candidates(service: "water", moe: "water", area: "soweto", since: since, limit: 200), "tickets_service_area_open"),
        ]
        for (sql, index) in cases {
            let database = try AppDatabase.inMemory()
            let p = try database.writer.write { db in
                try db.execute(sql: "ANALYZE")
                try db.execute(sql: """
                    DELETE FROM sqlite_stat1 WHERE tbl = 'tickets';
                    INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
                        ('tickets', 'tickets_service_open', '200000 40000 2'), ('tickets', 'tickets_service_area_open', '200000 40000 2000 2 1'),
                        ('tickets', 'tickets_service_number_open', '200000 40000 40 2'), ('tickets', 'tickets_created', '200000 2');
                    ANALYZE sqlite_schema;
                    """)
                return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql.text(for: .sqlite), arguments: SQLiteStatements.arguments(sql))
                    .map { $0["detail"] as String }
            }
            #expect(p.contains { $0.contains(index) }, "\(p)")
        }
    }
}

/// A write that must survive a power cut commits under `synchronous = FULL`; every other under NORMAL.
@Suite struct DurableCommitTests {
    @Test func durableWritesRaiseTheSyncLevelAndPutItBackEveryTime() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("durable-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try AppDatabase.open(path: folder.appendingPathComponent("d.sqlite").path)
        for _ in 0..<3 {
            let (inside, after, skipped) = try database.writer.writeWithoutTransaction { db in
                let inside = try AppDatabase.durably(db) { try Int.fetchOne(db, sql: "PRAGMA synchronous") }
                let skipped = try AppDatabase.durably(db, when: false) { try Int.fetchOne(db, sql: "PRAGMA synchronous") }
                return (inside, try Int.fetchOne(db, sql: "PRAGMA synchronous"), skipped)
            }
            #expect(inside == 2 && after == 1 && skipped == 1, "FULL is 2, NORMAL 1")
        }
    }
}
