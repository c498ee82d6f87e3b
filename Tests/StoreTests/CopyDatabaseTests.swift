import Domain
import FlowEngine
import Foundation
import Gateway
import PostgresNIO
import PostgresStore
import Store
import TestSupport
import Testing

/// `copy-database`: SQLite -> PostgreSQL -> SQLite gives back the same rows in every table.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"] != nil))
struct CopyDatabaseTests {
    @Test func aRoundTripThroughPostgreSQLKeepsEveryRow() async throws {
        // A working installation: reports by USSD and SMS and from a committee, staff, tokens, actions, audit.
        let source = try AppDatabase.inMemory()
        let engine = try shippedDefinitions().engine()
        let clock = TestClock(), references = TestReferences(seed: 21)
        let conversations = SQLiteConversationStore(source)
        let ussd = UssdGateway(engine: engine, store: conversations, clock: clock, references: { references.next() })
        let sms = SmsGateway(engine: try shippedDefinitions().smsEngine()!, store: conversations, clock: clock, references: { references.next() })
        let caller = MSISDN("+27821234567")!
        var history: [String] = []
        _ = await ussd.handle(UssdEvent(provider: "africastalking", sessionID: "s", msisdn: caller, serviceCode: "*120*1234#", network: nil, input: .history("")))
        for input in ["1", "1", "1", "1", "1", "12 Vilakazi St", "1"] {
            history.append(input)
            _ = await ussd.handle(UssdEvent(provider: "africastalking", sessionID: "s", msisdn: caller, serviceCode: "*120*1234#", network: nil,
                                            input: .history(history.joined(separator: "*"))))
        }
        await sms.handle(InboundSMS(provider: "kannel", providerID: "k1", from: MSISDN("+27829990000")!, to: nil, text: "REPORT WATER leak at 4 Long St"))
        let organisations = SQLiteOrganisationStore(source)
        let (ward, _) = try await organisations.add(name: "Ward 12", dailyQuota: 100, at: clock.now())
        let bulk = BulkReports(engine: engine, clock: clock, references: { references.next() })
        let prepared = try bulk.prepare(header: BulkReports.columns, records: [(2, ["a", "water.leak", "soweto", "1 Main Rd", "", "0821110000"]),
                                                                               (3, ["b", "water.leak", "soweto", "2 Main Rd", "", ""])])
        let rows = try await bulk.store(prepared.good, bad: [], for: ward, in: organisations)
        let staff = SQLiteStaffStore(source)
        _ = try await staff.addUser(username: "thandi", password: "correct horse battery", scope: .moe("water"), role: .dispatcher, at: clock.now())
        _ = try await staff.addToken(moe: "water", at: clock.now())
        let (a, b) = (try Reference(parsing: rows[0].reference!), try Reference(parsing: rows[1].reference!))
        _ = try await staff.perform(.duplicate(of: a), on: b, scope: "water", actor: "thandi", at: clock.now(), notice: engine.noticeWording)
        _ = try await staff.perform(.acknowledge, on: a, scope: "water", actor: "thandi", at: clock.now(), notice: engine.noticeWording)
        _ = try source.secret(named: "dlr-signing-key")

        let back = try AppDatabase.inMemory()
        try await FreshPostgres.with { postgres in
            let there = try await DatabaseCopy.copy(from: SQLiteCopy(source), to: PostgresCopy(postgres))
            #expect(there.first { $0.table == "tickets" }?.rows == 4)
            // A row made on PostgreSQL after the copy gets a new id, not a copied one.
            var next: Int64 = 0
            for try await n in try await postgres.client.query("SELECT nextval(pg_get_serial_sequence('tickets', 'id'))").decode(Int64.self) { next = n }
            #expect(next == 5)
            _ = try await DatabaseCopy.copy(from: PostgresCopy(postgres), to: SQLiteCopy(back))
            await #expect(throws: DatabaseCopy.Problem.self) { _ = try await DatabaseCopy.copy(from: SQLiteCopy(source), to: PostgresCopy(postgres)) }
        }
        for table in DatabaseCopy.tables {
            let before = try await SQLiteCopy(source).rows(table, offset: 0, limit: 10_000)
            let after = try await SQLiteCopy(back).rows(table, offset: 0, limit: 10_000)
            #expect(before.count == after.count, "\(table.name)")
            #expect(Self.rounded(before) == Self.rounded(after), "\(table.name) differs after the round trip")
        }
        #expect(try await SQLiteTicketStore(back).count() == 4)
        #expect(try await SQLiteStaffStore(back).ticket(b, moe: "water")?.duplicateOf == a.digits)
    }

    /// Dates compared to the millisecond (SQLite's precision).
    static func rounded(_ rows: [[CellValue]]) -> [[CellValue]] {
        rows.map { $0.map { if case .date(let d) = $0 { .date(Date(timeIntervalSince1970: (d.timeIntervalSince1970 * 1000).rounded() / 1000)) } else { $0 } } }
    }
}
