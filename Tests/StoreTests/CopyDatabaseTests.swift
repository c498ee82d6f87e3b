import Domain
import FlowEngine
import Foundation
import Gateway
import GRDB
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
        // What later features keep: a crew and its member on a located ticket, a resident added to
        // it and an organisation's reporter's details, a planned-works alert and its followers, a
        // webhook subscription and its message, an upload, the day's figures.
        try await source.writer.write { db in
            try db.execute(sql: """
                INSERT INTO crews (id, moe, name, language, services, areas, created_at) VALUES (1, 'water', 'Crew 1', 'en', 'water', 'soweto', '2026-01-01 08:00:00.000');
                INSERT INTO crew_members (msisdn, crew_id) VALUES ('+27825550001', 1);
                UPDATE tickets SET lat = -26.2485, long = 27.8540, crew_id = 1, crew_assigned_at = '2026-01-01 09:00:00.000', field_flag = 'no access'
                    WHERE id = (SELECT MIN(id) FROM tickets);
                INSERT INTO ticket_reporters (ticket_id, msisdn, language, channel, created_at)
                    SELECT MIN(id), '+27825550002', 'zu', 'ussd', '2026-01-01 10:00:00.000' FROM tickets;
                INSERT INTO reporter_details (ticket_id, email, first_name, last_name, media_url, attributes)
                    SELECT MAX(id), 'a@example.org', 'Lerato', 'M', NULL, '{}' FROM tickets;
                INSERT INTO uploads (id, organisation_id, uploaded_by, filename, status, total_rows, done_rows, accepted, duplicates, rejected, results, created_at, updated_at)
                    SELECT 1, MIN(id), 'ward', 'r.csv', 'done', 2, 2, 2, 0, 0, '[]', '2026-01-01 11:00:00.000', '2026-01-01 11:00:00.000' FROM organisations;
                UPDATE tickets SET source_upload = 1 WHERE source_org IS NOT NULL;
                INSERT INTO incidents (id, moe, service, faults, areas, description, status, created_at, updated_at, starts_at, sequence)
                    VALUES (1, 'water', 'water', 'leak', 'soweto', 'Main replaced', 'open', '2026-01-02 08:00:00.000', '2026-01-02 08:00:00.000', '2026-01-03 08:00:00.000', 2);
                INSERT INTO area_alerts (incident_id, kind, due_at, cursor, recipients, created_at) VALUES (1, 'planned', '2026-01-02 18:00:00.000', '+2782', 3, '2026-01-02 08:00:00.000');
                INSERT INTO alert_subscriptions (msisdn, area, language, created_at) VALUES ('+27825550003', 'soweto', 'st', '2026-01-01 12:00:00.000');
                INSERT INTO webhook_subscriptions (id, moe, url, events, secret, created_at, failures) VALUES (1, 'water', 'http://127.0.0.1:9/hook', 'ticket.created', 'whsec_x', '2026-01-01 13:00:00.000', 0);
                INSERT INTO webhook_messages (subscription_id, message_id, type, subject, data, occurred_at, status, attempts, next_attempt_at, last_status, created_at)
                    VALUES (1, 'msg_1', 'ticket.created', 'T1', '{}', '2026-01-01 13:00:00.000', 'pending', 1, '2026-01-01 13:01:00.000', 500, '2026-01-01 13:00:00.000');
                INSERT INTO figure_days (day, made_at) VALUES (20454, '2026-01-01 23:00:00.000');
                UPDATE outbox SET status = 'sending' WHERE id = (SELECT MIN(id) FROM outbox);
                """)
        }

        let back = try AppDatabase.inMemory()
        try await FreshPostgres.with { postgres in
            let there = try await DatabaseCopy.copy(from: SQLiteCopy(source), to: PostgresCopy(postgres))
            #expect(there.first { $0.table == "tickets" }?.rows == 4)
            // A row made on PostgreSQL after the copy gets a new id, not a copied one.
            var next: Int64 = 0
            for try await n in try await postgres.client.query("SELECT nextval(pg_get_serial_sequence('tickets', 'id'))").decode(Int64.self) { next = n }
            #expect(next == 5)
            // The message SQLite was handing over when it stopped is claimed again on PostgreSQL.
            var unleased: Int64 = -1
            for try await n in try await postgres.client.query("SELECT COUNT(*) FROM outbox WHERE status = 'sending' AND (lease_until IS NULL OR lease_until > now())").decode(Int64.self) { unleased = n }
            #expect(unleased == 0)
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

    /// PostgreSQL's schema: every table and column is copied or said not to be (`DatabaseCopy.notCopied`).
    @Test func everyTableAndColumnOfPostgreSQLIsCopied() async throws {
        try await FreshPostgres.with { postgres in
            var columns: [(String, String)] = []
            for try await (table, column) in try await postgres.client.query(
                "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = 'public'").decode((String, String).self) {
                columns.append((table, column))
            }
            #expect(columns.count > 100)
            #expect(CopiedSchemaTests.uncopied(columns) == [])
        }
    }

    /// Dates compared to the millisecond (SQLite's precision).
    static func rounded(_ rows: [[CellValue]]) -> [[CellValue]] {
        rows.map { $0.map { if case .date(let d) = $0 { .date(Date(timeIntervalSince1970: (d.timeIntervalSince1970 * 1000).rounded() / 1000)) } else { $0 } } }
    }
}

/// `copy-database` moves every table and column (a feature's table left out of the list was lost
/// in a move to PostgreSQL): SQLite's schema here, PostgreSQL's in `CopyDatabaseTests`.
struct CopiedSchemaTests {
    @Test func everyTableAndColumnOfSQLiteIsCopied() async throws {
        let database = try AppDatabase.inMemory()
        let columns = try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p
                WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
                """).map { ($0["t"] as String, $0["c"] as String) }
        }
        #expect(columns.count > 100)
        #expect(Self.uncopied(columns) == [])
    }

    @Test func aColumnLeftOutIsFound() {
        #expect(Self.uncopied([("tickets", "id"), ("tickets", "new_column"), ("new_table", "id"), ("figures_changed", "ticket_id")])
                == ["tickets.new_column", "new_table"])
        #expect(Self.uncopied([("tickets", "id")]).isEmpty)
    }

    /// The tables and `table.column`s of a schema that `DatabaseCopy` neither copies nor says it leaves.
    static func uncopied(_ schema: [(table: String, column: String)]) -> [String] {
        let copied = Dictionary(uniqueKeysWithValues: DatabaseCopy.tables.map { ($0.name, Set($0.columns.map(\.name))) })
        var missing: [String] = []
        for (table, column) in schema where DatabaseCopy.notCopied[table] == nil {
            guard let columns = copied[table] else {
                if !missing.contains(table) { missing.append(table) }
                continue
            }
            if !columns.contains(column) && DatabaseCopy.notCopied["\(table).\(column)"] == nil { missing.append("\(table).\(column)") }
        }
        return missing
    }
}
