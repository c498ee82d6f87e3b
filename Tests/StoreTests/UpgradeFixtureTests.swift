import Domain
import Foundation
import Gateway
import GRDB
import PostgresNIO
import PostgresStore
import Store
import TestSupport
import Testing

/// Databases as `main` left them in December 2026 (SQLite at v17, PostgreSQL at pg12), kept as SQL
/// text (`scripts/make-upgrade-fixtures.sh`, never regenerated to make a test pass): opened by
/// this version, every row is still there and the stores work on them.
@Suite struct UpgradeFixtureTests {
    static let folder = repositoryRoot.appendingPathComponent("Tests/StoreTests/Fixtures")
    static let now = Date(timeIntervalSince1970: 1_796_500_000)

    /// What a day of use left, read through the ports the console and the API use.
    func expectEverythingKept(_ staff: any StaffStore, _ portal: any OrganisationPortal, bulkReference: Reference) async throws {
        let all = try await staff.worklist(WorklistQuery(scope: nil), now: Self.now)
        #expect(all.total == 5, "USSD, SMS, two bulk rows and an upload")
        #expect(Set(all.tickets.map(\.channel)) == ["ussd", "sms", "bulk"])
        let file = try #require(try await staff.file(bulkReference, scope: "water"))
        #expect(file.ticket.status == .inProgress && file.ticket.publicUpdate == "Crew on site")
        #expect(file.history.map(\.kind) == [.created, .status])
        #expect(try await staff.openIncidents(moe: "water").map(\.description) == ["Main burst in Soweto"])
        let uploads = try await portal.uploads(organisation: 1, limit: 10)
        #expect(uploads.count == 1 && uploads.first?.status == .done)
        // And it works on: an action on an old ticket is decided, stored and audited.
        #expect(try await staff.perform(.acknowledge, on: try Reference(parsing: all.tickets.first { $0.status == .new }!.reference), scope: "water",
                                        actor: "upgrade-test", at: Self.now, notice: noReporterNotice) == .done)
    }

    @Test func aSQLiteDatabaseAtV17OpensWithEveryRow() async throws {
        let dump = try String(contentsOf: Self.folder.appendingPathComponent("sqlite-v17.sql"), encoding: .utf8)
        let queue = try DatabaseQueue()
        try await queue.writeWithoutTransaction { db in try db.execute(sql: dump) }
        let db = try AppDatabase(queue)
        let counts = try await db.writer.read { db in
            try ["tickets", "ticket_events", "outbox", "uploads", "incidents", "audit_log", "users", "organisations"].map {
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") ?? 0
            }
        }
        #expect(counts == [5, 6, 4, 1, 1, 6, 2, 1])
        let bulk = try await db.writer.read { db in try String.fetchOne(db, sql: "SELECT reference FROM tickets WHERE channel = 'bulk' ORDER BY id") }
        try await expectEverythingKept(SQLiteStaffStore(db), SQLiteOrganisationStore(db), bulkReference: try Reference(parsing: try #require(bulk)))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"] != nil))
    func aPostgreSQLSchemaAtPg12OpensWithEveryRow() async throws {
        try await FreshPostgres.with(migrated: false) { database in
            let psql = Process()
            psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            psql.arguments = ["psql", try await FreshPostgres.url(of: database), "-q", "-v", "ON_ERROR_STOP=1",
                              "-f", Self.folder.appendingPathComponent("postgres-pg12.sql").path]
            psql.standardOutput = FileHandle.nullDevice
            let errors = Pipe()
            psql.standardError = errors
            try psql.run()
            let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            psql.waitUntilExit()
            try #require(psql.terminationStatus == 0, "the fixture loads: \(said)")
            try await database.migrate()
            var counts: [Int64] = []
            for table in ["tickets", "ticket_events", "outbox", "uploads", "incidents", "audit_log", "users", "organisations"] {
                for try await n in try await database.client.query(PostgresQuery(unsafeSQL: "SELECT COUNT(*)::BIGINT FROM \(table)")).decode(Int64.self) {
                    counts.append(n)
                }
            }
            #expect(counts == [5, 6, 4, 1, 1, 6, 2, 1])
            var bulk: String?
            for try await r in try await database.client.query("SELECT reference FROM tickets WHERE channel = 'bulk' ORDER BY id LIMIT 1").decode(String.self) {
                bulk = r
            }
            try await expectEverythingKept(PostgresStaffStore(database), PostgresOrganisationStore(database),
                                           bulkReference: try Reference(parsing: try #require(bulk)))
        }
    }
}
