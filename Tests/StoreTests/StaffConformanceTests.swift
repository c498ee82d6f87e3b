import Domain
import FlowEngine
import Foundation
import Gateway
import GRDB
import Logging
import PostgresNIO
import PostgresStore
import Store
import TestSupport
import Testing

/// The staff store of one kind, with tickets made through the organisation store.
struct StaffWorld: Sendable {
    let staff: any StaffStore
    let organisations: OrganisationWorld
    let engine: FlowEngine
    /// Residents texting, over the conversation store of the same database.
    let sms: SmsGateway
    /// Runs raw SQL (to try what the store must refuse).
    let execute: @Sendable (String) async throws -> Void
    var retention: (any RetentionStore)? = nil
    /// A resident on a basic phone, over the same database.
    var ussd: UssdGateway? = nil
    /// "table.column" of every text cell that contains `needle`, in every table.
    var cellsContaining: (@Sendable (String) async throws -> [String])? = nil
    var outbox: (any OutboxStore)? = nil
    static let pseudonyms = Pseudonyms(key: Data(repeating: 7, count: 32))

    static func with(_ kind: StoreKind, _ body: (StaffWorld) async throws -> Void) async throws {
        let engine = try shippedDefinitions().engine()
        switch kind {
        case .sqlite:
            let db = try AppDatabase.inMemory()
            let rows = SQLiteTicketStore(db)
            let clock = TestClock(), references = TestReferences(seed: 11)
            let organisations = OrganisationWorld(organisations: SQLiteOrganisationStore(db), listing: SQLiteRequestListing(db),
                                                  statistics: SQLiteStatistics(db),
                                                  bulk: BulkReports(engine: engine, clock: clock, references: { references.next() }), clock: clock,
                                                  outbox: { try await rows.outbox(for: $0).map(\.body) })
            let sms = SmsGateway(engine: try shippedDefinitions().smsEngine()!, store: SQLiteConversationStore(db), clock: clock,
                                 references: { references.next() }, settings: .init(pseudonyms: pseudonyms))
            let ussd = UssdGateway(engine: engine, store: SQLiteConversationStore(db), clock: clock, references: { references.next() },
                                   settings: .init(pseudonyms: pseudonyms))
            let cells: @Sendable (String) async throws -> [String] = { needle in
                try await db.writer.read { db in
                    var found: [String] = []
                    for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
                        for column in try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map({ $0["name"] as String }) {
                            let n = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE instr(CAST(\(column) AS TEXT), ?) > 0", arguments: [needle]) ?? 0
                            if n > 0 { found.append("\(table).\(column)") }
                        }
                    }
                    return found
                }
            }
            try await body(StaffWorld(staff: SQLiteStaffStore(db), organisations: organisations, engine: engine, sms: sms,
                                      execute: { sql in try await db.writer.write { try $0.execute(sql: sql) } }, retention: SQLiteRetentionStore(db),
                                      ussd: ussd, cellsContaining: cells, outbox: SQLiteOutboxStore(db)))
        case .postgres:
            try await FreshPostgres.with { database in
                let client = database.client
                let clock = TestClock(), references = TestReferences(seed: 11)
                let organisations = OrganisationWorld(
                    organisations: PostgresOrganisationStore(database), listing: PostgresRequestListing(database), statistics: PostgresStatistics(database),
                    bulk: BulkReports(engine: engine, clock: clock, references: { references.next() }), clock: clock,
                    outbox: { m in
                        var out: [String] = []
                        for try await b in try await client.query("SELECT body FROM outbox WHERE msisdn = \(m.e164) ORDER BY id").decode(String.self) { out.append(b) }
                        return out
                    })
                let sms = SmsGateway(engine: try shippedDefinitions().smsEngine()!, store: PostgresConversationStore(database), clock: clock,
                                     references: { references.next() }, settings: .init(pseudonyms: pseudonyms))
                let ussd = UssdGateway(engine: engine, store: PostgresConversationStore(database), clock: clock, references: { references.next() },
                                       settings: .init(pseudonyms: pseudonyms))
                let cells: @Sendable (String) async throws -> [String] = { needle in
                    var columns: [(String, String)] = []
                    for try await row in try await client.query("""
                        SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns WHERE table_schema = 'public'
                        """).decode((String, String).self) { columns.append(row) }
                    var found: [String] = []
                    for (table, column) in columns {
                        for try await n in try await client.query(PostgresQuery(unsafeSQL: """
                            SELECT COUNT(*)::BIGINT FROM \(table) WHERE strpos(\(column)::TEXT, $1) > 0
                            """, binds: { var b = PostgresBindings(); b.append(needle); return b }())).decode(Int64.self) where n > 0 {
                            found.append("\(table).\(column)")
                        }
                    }
                    return found
                }
                try await body(StaffWorld(staff: PostgresStaffStore(database), organisations: organisations, engine: engine, sms: sms,
                                          execute: { sql in try await client.query(PostgresQuery(unsafeSQL: sql)) }, retention: PostgresRetentionStore(database),
                                          ussd: ussd, cellsContaining: cells, outbox: PostgresOutboxStore(database)))
            }
        }
    }

    var now: Date { organisations.clock.now() }

    /// Tickets reported by a committee, each with a reporter's number; returns their references.
    func tickets(_ rows: [(code: String, phone: String)]) async throws -> [Reference] {
        let (ward, _) = try await organisations.organisations.add(name: "Ward \(UUID().uuidString.prefix(6))", dailyQuota: 1000, at: now)
        let results = try await organisations.upload(rows.enumerated().map { ["x\($0.offset)", $0.element.code, "soweto", "\($0.offset) Main Rd", "", $0.element.phone] },
                                                     for: ward)
        return try results.map { try Reference(parsing: $0.reference ?? "") }
    }

    func act(_ action: TicketAction, on reference: Reference, scope: String?) async throws -> ActionOutcome {
        try await staff.perform(action, on: reference, scope: scope, actor: "tester", at: now, notice: engine.noticeWording)
    }
}

@Suite struct StaffConformanceTests {
    let password = "correct horse battery"

    @Test(arguments: StoreKind.available)
    func aBusinessHoursTargetSkipsTheWeekendAndHolidayAndPausesWhileScheduled(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            func sast(_ text: String) -> Date { ISO8601DateFormatter().date(from: text + "+02:00")! }
            let levels = w.engine.serviceLevels
            // A pothole (roads: 45 working hours, Mon-Fri 07:30-16:30) reported on Tuesday 15
            // December 2026 at 10:00; Wednesday 16 December is the Day of Reconciliation: 6.5 h
            // Tuesday, 9 h each on Thursday, Friday, Monday and Tuesday, 2.5 h on Wednesday 23rd.
            w.organisations.clock.advance(sast("2026-12-15T10:00:00").timeIntervalSince(w.now))
            let pothole = try #require(try await w.tickets([("roads.pothole", "0821110009")]).first)
            func due() async throws -> Date? { try await w.staff.ticket(pothole, moe: "roads")?.dueAt }
            let created = try await due()
            #expect(created == sast("2026-12-23T10:00:00"))
            func act(_ action: TicketAction, at: String) async throws -> ActionOutcome {
                w.organisations.clock.advance(sast(at).timeIntervalSince(w.now))
                return try await w.staff.perform(action, on: pothole, scope: "roads", actor: "tester", at: w.now, levels: levels, notice: w.engine.noticeWording)
            }
            // Scheduled on Friday at 15:00 for Monday noon: the clock stops; the queue shows the date given.
            #expect(try await act(.status(.scheduled, publicUpdate: "A crew comes on Monday", internalNote: nil, expectedAt: sast("2026-12-21T12:00:00")),
                                  at: "2026-12-18T15:00:00") == .done)
            #expect(try await due() == sast("2026-12-21T12:00:00"))
            // Work starts Monday 09:00: 3 working hours were lost (Friday 15:00-16:30, Monday 07:30-09:00).
            #expect(try await act(.status(.inProgress, publicUpdate: nil, internalNote: "crew on site", expectedAt: nil), at: "2026-12-21T09:00:00") == .done)
            #expect(try await due() == sast("2026-12-23T13:00:00"))
            // Past it, and still open: overdue in the worklist.
            w.organisations.clock.advance(sast("2026-12-23T12:30:00").timeIntervalSince(w.now))
            var overdue = WorklistQuery(scope: "roads")
            overdue.overdue = true
            #expect(try await w.staff.worklist(overdue, now: w.now).tickets.isEmpty, "not yet: the pause gave it three more hours")
            w.organisations.clock.advance(sast("2026-12-23T13:30:00").timeIntervalSince(w.now))
            #expect(try await w.staff.worklist(overdue, now: w.now).tickets.map(\.reference) == [pothole.digits])
        }
    }

    @Test(arguments: StoreKind.available)
    func accountsSignInWithGrowingWaitsAndNoLockAndSessionsEnd(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let thandi = try await w.staff.addUser(username: "thandi", password: password, scope: .moe("water"), role: .dispatcher, at: w.now)
            await #expect(throws: StaffAccountProblem.self) { try await w.staff.addUser(username: "thandi", password: password, scope: .moe("water"), role: .admin, at: w.now) }
            await #expect(throws: StaffAccountProblem.self) { try await w.staff.addUser(username: "short", password: "short", scope: .moe("water"), role: .admin, at: w.now) }
            #expect(try await w.staff.signIn(username: "thandi", password: password, address: "192.0.2.1", at: w.now) == .signedIn(thandi))
            for i in 0..<4 {
                #expect(try await w.staff.signIn(username: "thandi", password: "guess \(i)", address: "192.0.2.1", at: w.now) == .refused)
            }
            #expect(try await w.staff.signIn(username: "thandi", password: password, address: "192.0.2.1", at: w.now) == .throttled(retryAfter: 5))
            #expect(try await w.staff.signIn(username: "nobody", password: "x", address: "192.0.2.9", at: w.now) == .refused)
            w.organisations.clock.advance(5)
            #expect(try await w.staff.signIn(username: "thandi", password: password, address: "192.0.2.1", at: w.now) == .signedIn(thandi))

            let (token, csrf) = try await w.staff.openSession(for: thandi, address: "192.0.2.1", at: w.now)
            #expect(try await w.staff.session(token, at: w.now, idle: 1800, lifetime: 43200) == StaffSession(user: thandi, csrf: csrf))
            w.organisations.clock.advance(1801)
            #expect(try await w.staff.session(token, at: w.now, idle: 1800, lifetime: 43200) == nil, "idle too long")
            let (second, _) = try await w.staff.openSession(for: thandi, address: "192.0.2.1", at: w.now)
            #expect(try await w.staff.session(second, at: w.now.addingTimeInterval(60), idle: 1800, lifetime: 43200) != nil)
            #expect(try await w.staff.disableUser("thandi", at: w.now))
            #expect(try await w.staff.session(second, at: w.now.addingTimeInterval(61), idle: 1800, lifetime: 43200) == nil, "disabled: sessions end")
            #expect(try await w.staff.signIn(username: "thandi", password: password, address: "192.0.2.1", at: w.now.addingTimeInterval(999)) == .refused)
            #expect(try await w.staff.users().first?.disabledAt != nil)
            #expect(try await w.staff.setPassword("thandi", to: "a brand new password", at: w.now))
            #expect(try await !w.staff.setPassword("nobody", to: "a brand new password", at: w.now))
        }
    }

    /// Once the throttle engages, guesses sent together are not all checked: each try is counted
    /// before its password is, so one of eight gets through to bcrypt and seven are told to wait.
    @Test(arguments: StoreKind.available)
    func concurrentGuessesAfterTheThrottleEngagesCostOneGuess(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            _ = try await w.staff.addUser(username: "thandi", password: password, scope: .moe("water"), role: .dispatcher, at: w.now)
            for i in 0..<4 {
                #expect(try await w.staff.signIn(username: "thandi", password: "guess \(i)", address: "192.0.2.1", at: w.now) == .refused)
            }
            w.organisations.clock.advance(5)
            let now = w.now, staff = w.staff
            let answers = await withTaskGroup(of: SignIn?.self) { group in
                for i in 0..<8 {
                    group.addTask { try? await staff.signIn(username: "thandi", password: "together \(i)", address: "192.0.2.1", at: now) }
                }
                return await group.reduce(into: [SignIn?]()) { $0.append($1) }
            }
            #expect(answers.filter { $0 == .refused }.count == 1, "\(answers)")
            #expect(answers.filter { if case .throttled = $0 { true } else { false } }.count == 7, "\(answers)")
            let refusals = try await w.staff.auditEntries(scope: nil, limit: 50, offset: 0).filter { $0.action.rawValue == "sign-in refused" }
            #expect(refusals.count == 5, "four before, one of the eight")
        }
    }

    @Test(arguments: StoreKind.available)
    func anOrganisationsMemberIsAnAccountAndAnAdminChangesRolesUnderTheirOwnName(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let (ward, _) = try await w.organisations.organisations.add(name: "Ward 12", dailyQuota: 100, at: w.now)
            let nomsa = try await w.staff.addUser(username: "nomsa", password: password, scope: .organisation(ward.id), role: .organisation,
                                                  at: w.now)
            #expect(nomsa.organisation == ward.id)
            #expect(try await w.staff.signIn(username: "nomsa", password: password, address: "192.0.2.1", at: w.now) == .signedIn(nomsa))
            let (token, _) = try await w.staff.openSession(for: nomsa, address: "192.0.2.1", at: w.now)
            #expect(try await w.staff.session(token, at: w.now, idle: 1800, lifetime: 43200)?.user.organisation == ward.id)
            #expect(try await w.staff.worklist(WorklistQuery(scope: nomsa.moe), now: w.now).total == 0, "its scope names no MOE's tickets")

            #expect(try await w.staff.changeUser("nomsa", role: .dispatcher, scope: .moe("water"), at: w.now, actor: "root"))
            #expect(try await w.staff.session(token, at: w.now, idle: 1800, lifetime: 43200) == nil, "a changed account signs in again")
            #expect(try await !w.staff.changeUser("nobody", role: .dispatcher, scope: .moe("water"), at: w.now, actor: "root"))
            let changed = try #require(try await w.staff.users().first { $0.user.username == "nomsa" })
            #expect(changed.user.role == .dispatcher && changed.user.moe == "water" && changed.user.organisation == nil)
            #expect(try await w.staff.disableUser("nomsa", at: w.now, actor: "root"))
            let audit = try await w.staff.auditEntries(scope: nil, limit: 10, offset: 0)
            #expect(audit.filter { $0.actor == "root" }.map(\.action.rawValue).sorted() == ["user changed", "user disabled"])
        }
    }

    @Test(arguments: StoreKind.available)
    func tokensNameTheirMOEUntilRevoked(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let token = try await w.staff.addToken(moe: "water", at: w.now)
            #expect(try await w.staff.moe(forToken: token) == "water")
            #expect(try await w.staff.moe(forToken: token + "x") == nil)
            let listed = try await w.staff.tokens()
            #expect(listed.map(\.moe) == ["water"] && token.hasPrefix(listed[0].prefix))
            #expect(try await w.staff.revokeToken(listed[0].prefix, at: w.now))
            #expect(try await w.staff.moe(forToken: token) == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func theWorklistIsScopedFilteredSortedAndCounted(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let refs = try await w.tickets([("water.leak", ""), ("water.burst_pipe", ""), ("roads.pothole", ""), ("water.leak", "")])
            var water = WorklistQuery(scope: "water")
            let list = try await w.staff.worklist(water, now: w.now)
            #expect(list.total == 3 && list.counts[.new] == 3)
            #expect(Set(list.tickets.map(\.reference)) == Set([refs[0], refs[1], refs[3]].map(\.digits)))
            #expect(list.tickets.allSatisfy { $0.dueAt != nil && $0.moe == "water" })
            water.pageSize = 2
            water.page = 2
            #expect(try await w.staff.worklist(water, now: w.now).tickets.count == 1)
            water.page = .max
            #expect(try await w.staff.worklist(water, now: w.now).tickets.isEmpty)
            #expect(try await w.act(.acknowledge, on: refs[0], scope: "water") == .done)
            var acknowledged = WorklistQuery(scope: "water")
            acknowledged.statuses = [.acknowledged]
            #expect(try await w.staff.worklist(acknowledged, now: w.now).tickets.map(\.reference) == [refs[0].digits])
            var overdue = WorklistQuery(scope: nil)
            overdue.overdue = true
            #expect(try await w.staff.worklist(overdue, now: w.now).total == 0)
            #expect(try await w.staff.worklist(overdue, now: w.now.addingTimeInterval(400 * 3600)).total == 4)
            #expect(try await w.staff.ticket(refs[2], moe: "water") == nil, "another MOE's ticket")
        }
    }

    @Test(arguments: StoreKind.available)
    func actionsWriteHistorySMSAndAuditAndDuplicatesStayInOneMOE(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let refs = try await w.tickets([("water.leak", "0821110001"), ("water.leak", "0821110002"), ("electricity.outage", "0821110003")])
            let (master, copy, power) = (refs[0], refs[1], refs[2])
            #expect(try await w.act(.duplicate(of: master), on: copy, scope: "water") == .done)
            #expect(try await w.act(.status(.resolved, publicUpdate: "Fixed today", internalNote: nil, expectedAt: nil), on: master, scope: "water") == .done)
            let told = try await w.organisations.outbox(MSISDN("+27821110002")!)
            #expect(told.count == 3, "confirmation, merge notice, the master's update: \(told)")
            #expect(told.last?.contains("Fixed today") == true && told.last?.contains(copy.grouped) == true, "in their own reference")
            let file = try #require(try await w.staff.file(master, scope: "water"))
            #expect(file.duplicates == [copy.digits] && file.reporters == 2)
            #expect(file.history.map(\.kind) == [.created, .merged, .status])
            guard case .refused = try await w.act(.duplicate(of: power), on: master, scope: nil) else {
                Issue.record("a water ticket joined an electricity ticket"); return
            }
            #expect(try await w.act(.reroute(moe: "electricity", queue: "power-general", reason: "cable"), on: copy, scope: "water") == .done)
            #expect(try await w.staff.ticket(copy, moe: "electricity")?.duplicateOf == nil)
            #expect(try await w.act(.acknowledge, on: copy, scope: "water") == .notFound)
            let audit = try await w.staff.auditEntries(scope: nil, limit: 10, offset: 0)
            #expect(audit.map(\.action.rawValue).prefix(3) == ["reroute", "status resolved", "mark duplicate"])
            #expect(audit.first?.detail == "to electricity/power-general: cable")
            await #expect(throws: (any Error).self) { try await w.execute("UPDATE audit_log SET actor = 'someone else'") }
            await #expect(throws: (any Error).self) { try await w.execute("DELETE FROM audit_log") }
        }
    }

    @Test(arguments: StoreKind.available)
    func anOverdueTicketIsEscalatedOncePerLevelToSupervisorsThenHeadsAndTriage(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let people: [(String, String, StaffUser.Role, String, Bool)] = [
                ("sipho", "water", .supervisor, "0820000001", false), ("nandi", "water", .supervisor, "0820000002", true),
                ("pieter", "municipal", .supervisor, "0820000003", false), ("lerato", "water", .dispatcher, "0820000004", false),
                ("gone", "water", .supervisor, "0820000005", true), ("thabo", "electricity", .supervisor, "0820000006", true),
            ]
            for (name, moe, role, phone, head) in people {
                _ = try await w.staff.addUser(username: name, password: password, scope: .moe(moe), role: role, at: w.now)
                #expect(try await w.staff.setContact(name, StaffContact(phone: MSISDN(phone), email: "\(name)@example.org", head: head)))
            }
            _ = try await w.staff.disableUser("gone", at: w.now)
            #expect(try await w.staff.users().first { $0.user.username == "nandi" }?.contact == StaffContact(phone: MSISDN("0820000002"), email: "nandi@example.org", head: true))
            // A burst pipe: acknowledge within 2 h, resolve within 24 h, every hour counted.
            let pipe = try #require(try await w.tickets([("water.burst_pipe", "0821110001")]).first)
            let job = EscalationJob(tickets: w.staff, dispatch: w.staff, engine: w.engine, clock: w.organisations.clock)
            func texts(_ phone: String) async throws -> [String] { try await w.organisations.outbox(MSISDN(phone)!) }

            w.organisations.clock.advance(3600)
            #expect(try await job.run() == 0, "within its target")
            w.organisations.clock.advance(2 * 3600)
            #expect(try await job.run() == 1)
            #expect(try await job.run() == 0, "a level is written once")
            #expect(try await w.staff.ticket(pipe, moe: "water")?.escalationLevel == 1)
            #expect(try await texts("0820000001").count == 1, "the water supervisors")
            #expect(try await texts("0820000002").count == 1)
            #expect(try await texts("0820000001").first?.contains(pipe.grouped) == true)
            for quiet in ["0820000003", "0820000004", "0820000005", "0820000006"] { #expect(try await texts(quiet).isEmpty, "\(quiet)") }
            let mail = try await w.staff.claimMail(limit: 10, now: w.now, lease: 60)
            #expect(mail.map(\.to).sorted() == ["nandi@example.org", "sipho@example.org"], "and by e-mail, in the same transaction")
            #expect(mail.first?.subject == "CivicGate escalation level 1: ticket \(pipe.grouped) (water)" && mail.first?.body.contains(pipe.grouped) == true)
            for m in mail { try await w.staff.recordMail(m, .sent, now: w.now, retry: .init()) }
            var escalated = WorklistQuery(scope: "water")
            escalated.escalated = true
            #expect(try await w.staff.worklist(escalated, now: w.now).tickets.map(\.reference) == [pipe.digits])
            #expect(try await w.staff.worklist(escalated, now: w.now).tickets.first?.escalationLevel == 1)

            // Twice the acknowledgement target (4 h): the head of water and municipal triage.
            w.organisations.clock.advance(3600)
            #expect(try await job.run() == 1)
            #expect(try await texts("0820000002").count == 2)
            #expect(try await texts("0820000003").count == 1)
            #expect(try await texts("0820000001").count == 1, "a supervisor who is not a head hears of level 1 only")
            #expect(try await w.staff.claimMail(limit: 10, now: w.now, lease: 60).map(\.to).sorted() == ["nandi@example.org", "pieter@example.org"])
            #expect(try await w.staff.mailCounts() == [.sent: 2, .sending: 2])
            #expect(try await texts("0820000006").isEmpty)
            #expect(try await texts("0820000005").isEmpty)
            let file = try #require(try await w.staff.file(pipe, scope: "water"))
            #expect(file.history.map(\.kind) == [.created, .escalated, .escalated])
            #expect(file.history.last?.note?.hasPrefix("level 2: not acknowledged within twice") == true)
            #expect(file.history.last?.actor == "civicgate")
            let audit = try await w.staff.auditEntries(scope: "water", limit: 10, offset: 0)
            #expect(audit.prefix(2).map(\.action.rawValue) == ["escalate level 2", "escalate level 1"])
            #expect(try await texts("0821110001").count == 1, "the reporter hears nothing of it (their confirmation only)")

            // Acknowledged and resolved: no more escalation.
            #expect(try await w.act(.status(.resolved, publicUpdate: "Fixed", internalNote: nil, expectedAt: nil), on: pipe, scope: "water") == .done)
            w.organisations.clock.advance(100 * 3600)
            #expect(try await job.run() == 0)
            #expect(try await w.staff.worklist(escalated, now: w.now).tickets.isEmpty)
        }
    }

    @Test(arguments: StoreKind.available)
    func aTicketThatCannotBeEscalatedHoldsBackNoOther(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            // Two burst pipes past their acknowledgement target; the older, first in the job's order, cannot be written.
            let older = try #require(try await w.tickets([("water.burst_pipe", "0821110001")]).first)
            w.organisations.clock.advance(600)
            let newer = try #require(try await w.tickets([("water.burst_pipe", "0821110002")]).first)
            w.organisations.clock.advance(3 * 3600)
            let refusing = EscalationJob(tickets: w.staff, dispatch: RefusingLedger(inner: w.staff, refused: older), engine: w.engine,
                                         clock: w.organisations.clock)
            let failures = await #expect(throws: EscalationFailures.self) { try await refusing.run() }
            #expect(failures?.escalated == 1 && failures?.failed.map(\.reference) == [older])
            #expect(failures?.description.contains(older.grouped) == true)
            #expect(try await w.staff.ticket(newer, moe: "water")?.escalationLevel == 1, "escalated although the older one failed")
            #expect(try await w.staff.ticket(older, moe: "water")?.escalationLevel == 0)
            // The next pass, with the store writing again, escalates it.
            #expect(try await EscalationJob(tickets: w.staff, dispatch: w.staff, engine: w.engine, clock: w.organisations.clock).run() == 1)
            #expect(try await w.staff.ticket(older, moe: "water")?.escalationLevel == 1)
        }
    }

    @Test(arguments: StoreKind.available)
    func reportersAreAskedOnceAfterAResolutionAndAZeroReopensAndASecondOneEscalates(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            _ = try await w.staff.addUser(username: "sipho", password: password, scope: .moe("water"), role: .supervisor, at: w.now)
            _ = try await w.staff.setContact("sipho", StaffContact(phone: MSISDN("0820000001")))
            let refs = try await w.tickets([("water.leak", "0821110001"), ("water.leak", "0821110002"), ("water.leak", "0821110003"),
                                            ("water.meter", "0821110004")])
            let (leak, copy, quiet, meter) = (refs[0], refs[1], refs[2], refs[3])
            let (one, two, three, four) = (MSISDN("0821110001")!, MSISDN("0821110002")!, MSISDN("0821110003")!, MSISDN("0821110004")!)
            #expect(try await w.act(.duplicate(of: leak), on: copy, scope: "water") == .done)
            #expect(try await w.act(.duplicate(of: leak), on: quiet, scope: "water") == .done)
            var sent = 0
            func text(_ from: MSISDN, _ body: String) async throws -> String? {
                sent += 1
                let before = try await w.organisations.outbox(from).count
                await w.sms.handle(InboundSMS(provider: "africastalking", providerID: "s\(sent)", from: from, to: "31337", text: body))
                return try await w.organisations.outbox(from).dropFirst(before).last
            }
            _ = try await text(three, "STOP")
            #expect(try await w.act(.status(.resolved, publicUpdate: "Fixed", internalNote: nil, expectedAt: nil), on: leak, scope: "water") == .done)
            #expect(try await w.act(.status(.rejected, publicUpdate: "Not a fault", internalNote: nil, expectedAt: nil), on: meter, scope: "water") == .done)
            let job = SurveyJob(store: w.staff, engine: w.engine, clock: w.organisations.clock, delay: 3600)

            w.organisations.clock.advance(1800)
            #expect(try await job.run() == 0, "not before the delay")
            w.organisations.clock.advance(1860)
            #expect(try await job.run() == 2, "the two reporters who did not send STOP; not the rejected ticket's")
            #expect(try await job.run() == 0, "once per reporter per resolution")
            let question = try #require(try await w.organisations.outbox(one).last)
            #expect(question == w.engine.surveyQuestion(reference: leak, language: "en"))
            #expect(try await w.organisations.outbox(two).last == w.engine.surveyQuestion(reference: copy, language: "en"), "in their own reference")
            #expect(try await w.organisations.outbox(four).allSatisfy { !$0.contains("1 to 5") })

            // A rating: thanked, stored once; a second digit is not an answer any more.
            #expect(try await text(one, "4")?.contains("Thank you") == true)
            #expect(try await text(one, "2")?.contains("Thank you") != true)
            // Zero: reopened, back in the queue, the supervisors not yet told.
            #expect(try await text(two, " 0 ")?.contains("not fixed") == true)
            #expect(try await w.staff.ticket(leak, moe: "water")?.status == .acknowledged)
            #expect(try await w.staff.file(leak, scope: "water")?.history.last?.kind == .reopened)
            #expect(try await w.organisations.outbox(MSISDN("0820000001")!).isEmpty)

            // Resolved again and again not fixed: reopened and escalated, so the supervisors hear of it.
            #expect(try await w.act(.status(.resolved, publicUpdate: "Fixed again", internalNote: nil, expectedAt: nil), on: leak, scope: "water") == .done)
            w.organisations.clock.advance(3700)
            #expect(try await job.run() == 2, "a new resolution: asked again")
            #expect(try await text(two, "0")?.contains("not fixed") == true)
            let file = try #require(try await w.staff.file(leak, scope: "water"))
            #expect(file.history.map(\.kind).suffix(3) == [.status, .reopened, .escalated])
            #expect(try await w.organisations.outbox(MSISDN("0820000001")!).count == 1)
            let audit = try await w.staff.auditEntries(scope: "water", limit: 3, offset: 0).map(\.action.rawValue)
            #expect(audit == ["escalate level 1", "reopen", "status resolved"])
        }
    }

    @Test(arguments: StoreKind.available)
    func theIndicatorsOfAHandComputedSetComeOutExactly(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            // Water leaks: acknowledge within 4 h, resolve within 48 h, every hour counted.
            let refs = try await w.tickets([("water.leak", "0821110001"), ("water.leak", "0821110002"), ("water.leak", "0821110003"),
                                            ("water.leak", "0821110004"), ("electricity.outage", "0821110005")])
            let (a, b, c) = (refs[0], refs[1], refs[2])
            let start = w.now
            func at(_ hours: Double, _ action: TicketAction, _ reference: Reference) async throws {
                w.organisations.clock.advance(start.addingTimeInterval(hours * 3600).timeIntervalSince(w.now))
                #expect(try await w.act(action, on: reference, scope: "water") == .done)
            }
            try await at(1, .acknowledge, a)
            try await at(2, .duplicate(of: a), c)
            try await at(5, .acknowledge, b)
            try await at(10, .status(.resolved, publicUpdate: "Fixed", internalNote: nil, expectedAt: nil), a)
            w.organisations.clock.advance(3700)
            #expect(try await SurveyJob(store: w.staff, engine: w.engine, clock: w.organisations.clock, delay: 3600).run() == 2)
            await w.sms.handle(InboundSMS(provider: "africastalking", providerID: "rating", from: MSISDN("0821110001")!, to: "31337", text: "5"))
            try await at(50, .status(.resolved, publicUpdate: "Fixed", internalNote: nil, expectedAt: nil), b)
            w.organisations.clock.advance(start.addingTimeInterval(60 * 3600).timeIntervalSince(w.now))

            let rows = try await w.staff.indicatorTickets(moe: "water", from: start.addingTimeInterval(-3600), to: start.addingTimeInterval(3600))
            let i = Indicators(rows, now: w.now)
            #expect(i.received == 4 && i.acknowledged == 3 && i.resolved == 2 && i.reopened == 0)
            #expect(i.medianHoursToAcknowledge == 2, "60, 120 and 300 minutes")
            #expect(i.medianHoursToResolve == 30 && i.p90HoursToResolve == 50, "600 and 3,000 minutes")
            #expect(i.acknowledgedWithinTargetPct == 50, "a and c within 4 h; b late; d never, past its target")
            #expect(i.resolvedWithinTargetPct == 33.33, "a within 48 h; b late; d past its target; c left out as a duplicate")
            #expect(i.satisfactionMean == 5 && i.satisfactionResponses == 1)
            #expect(try await w.staff.indicatorTickets(moe: "water", from: start.addingTimeInterval(3600), to: start.addingTimeInterval(7200)).isEmpty)

            // The daily rollup gives the same figures, without reading the tickets again.
            let calendar = w.engine.settings.calendar, day = calendar.dayNumber(start)
            let rollup = FigureRollup(tickets: w.staff, store: w.staff, calendar: calendar, clock: w.organisations.clock, logger: Logger(label: "test"))
            let water = try await rollup.figures(FigureFilter(moe: "water"), fromDay: day, toDay: day + 1)
            #expect(Indicators(figures: water, now: w.now) == i)
            #expect(try await rollup.figures(FigureFilter(moe: "water"), fromDay: day + 1, toDay: day + 30).isEmpty)
            #expect(try await w.staff.changedTickets(limit: 10).isEmpty, "every mark cleared once its day was made")
            // Open now, 60 h after the reports: d (water) and the power outage, received 2-3 days ago.
            let (inside, outside) = try await rollup.figuresWithBacklog(FigureFilter(), fromDay: day, toDay: calendar.dayNumber(w.now) + 1)
            let f = DashboardFigures(inside, outside: outside, fromDay: day, toDay: calendar.dayNumber(w.now) + 1, services: ["water", "electricity"],
                                     calendar: calendar, now: w.now)
            #expect(f.ages.reduce(0, +) == 2 && f.ages[0] == 0 && f.ages[4] == 0)
            #expect(f.days.first?.backlog == (calendar.dayNumber(start.addingTimeInterval(10 * 3600)) == day ? 3 : 4),
                    "five received; the duplicate and a closed by the day's end if it is the same local day")
            #expect(f.days.last?.backlog == 2 && f.days.first?.byChannel.values.reduce(0, +) == 5)
            let soweto = try await rollup.figuresWithBacklog(FigureFilter(service: "electricity", area: "soweto"), fromDay: day + 1, toDay: day + 2)
            #expect(soweto.rows.isEmpty && soweto.outside.map(\.open) == [1], "the outage, received before the period and still open")
        }
    }

    @Test(arguments: StoreKind.available)
    func everyChangeOfATicketMarksItsDayToBeMadeAgain(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let calendar = w.engine.settings.calendar
            let rollup = FigureRollup(tickets: w.staff, store: w.staff, calendar: calendar, clock: w.organisations.clock, logger: Logger(label: "test"))
            let refs = try await w.tickets([("water.leak", "0821110001"), ("water.leak", "0821110002")])
            #expect(try await w.staff.changedTickets(limit: 10).count == 2, "both new tickets are marked")
            #expect(try await rollup.refresh() == 1)
            #expect(try await rollup.refresh() == 0, "nothing changed since")
            let day = calendar.dayNumber(w.now)
            func acknowledged() async throws -> Int {
                Indicators(figures: try await w.staff.figures(FigureFilter(), fromDay: day, toDay: day + 1), now: w.now).acknowledged
            }
            #expect(try await w.act(.acknowledge, on: refs[0], scope: "water") == .done)
            #expect(try await acknowledged() == 0, "read without a refresh: the old rollup")
            let marks = try await w.staff.changedTickets(limit: 10)
            #expect(marks.count == 1)
            // Changed again after the marks were read: clearing what was read leaves the new mark.
            #expect(try await w.act(.assign(to: "thandi"), on: refs[0], scope: "water") == .done)
            try await w.staff.clearChanged(marks)
            #expect(try await w.staff.changedTickets(limit: 10).count == 1)
            #expect(try await rollup.refresh() == 1)
            #expect(try await acknowledged() == 1)
            #expect(try await w.staff.changedTickets(limit: 10).isEmpty)
            // Another instance that read the tickets before this one finishes later: its older
            // figures are refused, the newer ones stay.
            #expect(try await w.staff.replaceFigures(day: day, with: [], madeAt: w.now.addingTimeInterval(-60)) == false)
            #expect(try await acknowledged() == 1)
            #expect(try await w.staff.replaceFigures(day: day, with: [], madeAt: w.now.addingTimeInterval(60)) == true)
            #expect(try await acknowledged() == 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func incidentsKeepTheirHistoryGrowTheirAreasAndStayInTheirMOE(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let at = w.now
            let draft = IncidentDraft(service: "electricity", faults: ["outage"], areas: ["soweto"], description: "Substation tripped",
                                      expectedAt: at.addingTimeInterval(3600))
            let declared = try await w.staff.declare(draft, moe: "electricity", actor: "api:electricity", address: "192.0.2.1", at: at)
            #expect(declared.isOpen && declared.areas == ["soweto"] && declared.faults == ["outage"] && declared.moe == "electricity")
            #expect(declared.covers(service: "electricity", fault: "outage", area: "soweto", at: at))
            #expect(!declared.covers(service: "electricity", fault: "streetlight", area: "soweto", at: at))
            #expect(try await w.staff.incident(declared.id, moe: "water") == nil)
            #expect(try await w.staff.changeIncident(declared.id, moe: "water", IncidentDraft(description: "x"), closing: false, broadcast: nil, actor: "api:water",
                                                     address: nil, at: at) == nil)
            // Two updates each naming only their new area: both are kept.
            _ = try await w.staff.changeIncident(declared.id, moe: "electricity", IncidentDraft(areas: ["kliptown"]), closing: false, broadcast: nil,
                                                 actor: "a", address: nil, at: at)
            let grown = try await w.staff.changeIncident(declared.id, moe: "electricity", IncidentDraft(areas: ["lenasia"], description: "Wider"),
                                                         closing: false, broadcast: nil, actor: "b", address: nil, at: at)
            #expect(grown?.areas == ["soweto", "kliptown", "lenasia"] && grown?.description == "Wider")
            #expect(grown?.expectedAt.map { abs($0.timeIntervalSince(at.addingTimeInterval(3600))) < 0.001 } == true, "kept when not given")
            #expect(try await w.staff.openIncidents(moe: "electricity").map(\.id) == [declared.id])
            let closed = try await w.staff.changeIncident(declared.id, moe: "electricity", IncidentDraft(description: "Restored"), closing: true, broadcast: nil,
                                                          actor: "c", address: nil, at: at)
            #expect(closed?.isOpen == false)
            #expect(try await w.staff.openIncidents(moe: nil).isEmpty)
            let again = try await w.staff.changeIncident(declared.id, moe: "electricity", IncidentDraft(description: "late"), closing: false, broadcast: nil,
                                                         actor: "d", address: nil, at: at)
            #expect(again?.description == "Restored", "a closed incident does not change")
            let history = try await w.staff.incidentHistory(declared.id)
            #expect(history.map(\.kind) == ["declared", "updated", "updated", "closed"] && history.map(\.actor) == ["api:electricity", "a", "b", "c"])
            #expect(history[2].areas == ["soweto", "kliptown", "lenasia"])
            #expect(try await w.staff.auditEntries(scope: nil, limit: 10, offset: 0).filter { $0.action.rawValue.hasPrefix("incident") }.count == 4)
        }
    }

    @Test(arguments: StoreKind.available)
    func reportsDuringAnIncidentAreAttachedOrLinkedAndItsNewsReachesEachNumberOnce(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let before = try #require(try await w.tickets([("water.leak", "0821110001")]).first)
            let incident = try await w.staff.declare(IncidentDraft(service: "water", areas: ["soweto"], description: "Main burst in Soweto",
                                                                   expectedAt: w.now.addingTimeInterval(6 * 3600)),
                                                     moe: "water", actor: "api:water", address: nil, at: w.now)
            // Made now in its service and area: linked. Another service, or before it: not.
            let refs = try await w.tickets([("water.burst_pipe", "0821110002"), ("roads.pothole", "0821110003"), ("water.no_water", "0821110002")])
            var reach = try await w.staff.incidentReach(incident.id, limit: 10)
            #expect(Set(reach.tickets.map(\.reference)) == [refs[0], refs[2]] && reach.linkedCount == 2)

            // By SMS: a one-line report naming the area, and a step-by-step one, are attached, not tickets.
            func text(_ from: String, _ body: String) async { await w.sms.handle(InboundSMS(provider: "test", providerID: nil, from: MSISDN(from)!, to: nil, text: body)) }
            await text("+27821110004", "REPORT WATER no water in Soweto since 6am")
            await text("+27821110005", "LANG zu")
            for body in ["BIKA", "1", "1", "1"] { await text("+27821110005", body) }
            await text("+27821110004", "REPORT WATER no water at all in soweto")
            await text("+27821110006", "REPORT WATER leak at 5 Main Rd Alexandra")
            let told = try await w.organisations.outbox(MSISDN("+27821110004")!)
            #expect(told.count == 2 && told.allSatisfy { $0.contains("Soweto") && $0.contains("We will SMS you when it is fixed") }, "\(told)")
            #expect(try await w.organisations.outbox(MSISDN("+27821110005")!).last?.contains("Sizokuthumelela") == true)
            #expect(try await w.organisations.outbox(MSISDN("+27821110006")!).last?.contains("reference") == true, "outside the area: a ticket")
            reach = try await w.staff.incidentReach(incident.id, limit: 10)
            #expect(reach.residents == 2 && reach.linkedCount == 2)

            // A selection links the earlier ticket (and nothing twice); one is unlinked.
            #expect(try await w.staff.linkTickets(to: incident.id, moe: "roads", TicketSelection(), actor: "x", address: nil, at: w.now) == nil)
            #expect(try await w.staff.linkTickets(to: incident.id, moe: "water", TicketSelection(faults: ["leak"]), actor: "x", address: nil, at: w.now) == 1)
            #expect(try await w.staff.linkTickets(to: incident.id, moe: "water", TicketSelection(), actor: "x", address: nil, at: w.now) == 0)
            #expect(try await w.staff.unlinkTicket(refs[2], from: incident.id, moe: "water", actor: "x", address: nil, at: w.now))
            #expect(try await !w.staff.unlinkTicket(refs[2], from: incident.id, moe: "water", actor: "x", address: nil, at: w.now))
            #expect(try await !w.staff.unlinkTicket(refs[0], from: incident.id, moe: "roads", actor: "x", address: nil, at: w.now))
            #expect(Set(try await w.staff.incidentReach(incident.id, limit: 10).tickets.map(\.reference)) == [before, refs[0]])

            // A linked ticket's status is the incident's news.
            await text("+27821110001", "STATUS \(before.digits)")
            #expect(try await w.organisations.outbox(MSISDN("+27821110001")!).last?.contains("Main burst in Soweto") == true)

            // The update goes once to each number: attached residents and reporters of linked tickets, in their language.
            let counts = { (n: String) in try await w.organisations.outbox(MSISDN(n)!).filter { $0.contains("Crews") || $0.contains("Inkinga") }.count }
            let update = IncidentDraft(description: "Crews are on site.")
            let after = IncidentRules.applying(update, to: incident)
            _ = try await w.staff.changeIncident(incident.id, moe: "water", update, closing: false,
                                                 broadcast: IncidentNews(engine: w.engine).broadcast(after, closing: false), actor: "api:water",
                                                 address: nil, at: w.now)
            var heard: [Int] = []
            for n in ["+27821110001", "+27821110002", "+27821110004", "+27821110005", "+27821110003", "+27821110006"] { heard.append(try await counts(n)) }
            #expect(heard == [1, 1, 1, 1, 0, 0], "once each to the linked and attached; none to the others")
            #expect(try await w.organisations.outbox(MSISDN("+27821110005")!).last?.hasPrefix("Inkinga ye-Amanzi e-Soweto: Crews are on site.") == true)
            #expect(try await w.organisations.outbox(MSISDN("+27821110004")!).last == "Water fault in Soweto: Crews are on site. Expected fixed: "
                        + w.engine.settings.calendar.moment(w.now.addingTimeInterval(6 * 3600)))
            let records = try await w.staff.incidentRecords(moe: "water", from: w.now.addingTimeInterval(-60), to: w.now.addingTimeInterval(60))
            #expect(records.map(\.id) == [incident.id] && records.first?.residents == 2 && records.first?.linkedTickets == 2 && records.first?.closedAt == nil)
            #expect(try await w.staff.incidentRecords(moe: "roads", from: w.now.addingTimeInterval(-60), to: w.now.addingTimeInterval(60)).isEmpty)
        }
    }

    @Test(arguments: StoreKind.available)
    func theOpenDatasetIsReadInIDOrderABatchAtATime(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let refs = try await w.tickets((0..<5).map { ("water.leak", "08211100\(10 + $0)") })
            var chunks: [String] = []
            let csv = OpenDataCSV(catalogue: w.engine.catalogue, calendar: w.engine.settings.calendar, now: w.now)
            let count = try await w.staff.writeOpenData(csv, batch: 2) { chunks.append($0) }
            #expect(count == 5 && chunks.count == 4, "the header, then batches of 2, 2 and 1")
            let lines = chunks.joined().split(separator: "\r\n").dropFirst()
            #expect(lines.map { String($0.prefix(9)) } == refs.map(\.digits))
            #expect(lines.allSatisfy { $0.contains(",water,leak,water,soweto,Soweto,bulk,new,") && !$0.contains("Main Rd") })
        }
    }

    @Test(arguments: StoreKind.available)
    func aFrontEndsReportKeepsItsPointListsPublicUpdatesAndItsPersonIsPurgedExportedAndErased(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let (app, _) = try await w.organisations.organisations.add(name: "FixMyStreet", dailyQuota: 100, at: w.now)
            let resident = MSISDN("+27821110005")!
            let draws = TestReferences(seed: 99)
            func report(_ details: ReporterDetails, reporter: MSISDN?) async throws -> Reference {
                var draft = TicketDraft(reference: draws.next(), service: "water", fault: "leak", area: "soweto", address: "Corner",
                                        description: "", channel: .open311, reporter: reporter, language: "en")
                draft.location = GeoPoint(lat: -26.25, long: 27.88)
                let ticket = w.engine.newTicket(draft, at: w.now, confirm: false)
                return try #require(try await w.organisations.organisations.store([OrganisationReport(externalID: nil, ticket: ticket, details: details)],
                                                                                for: app, quota: DailyQuota(limit: 100, since: w.now), duplicates: w.engine.duplicateRules, redraw: { $0 },
                                                                                summary: w.engine.createdSummary).first??.reference)
            }
            let pieter = ReporterDetails(email: "pieter@example.org", first_name: "Pieter", last_name: "Botha", media_url: "https://fms.example/1.jpeg",
                                         attributes: ["title": "Mr"])
            let first = try await report(pieter, reporter: resident)
            let second = try await report(ReporterDetails(email: "anon@example.org"), reporter: nil)
            #expect(try await w.staff.file(first, scope: nil)?.details == pieter)
            var one = RequestFilter()
            one.references = [first]
            #expect(try await w.organisations.listing.requests(one).first?.location == GeoPoint(lat: -26.25, long: 27.88))

            // Public updates: the acknowledgement and the public words; not the internal note, the re-route or a resident's update.
            let start = w.now
            w.organisations.clock.advance(10)
            #expect(try await w.act(.acknowledge, on: first, scope: nil) == .done)
            w.organisations.clock.advance(10)
            #expect(try await w.act(.status(.inProgress, publicUpdate: nil, internalNote: "crew 7", expectedAt: nil), on: first, scope: nil) == .done)
            #expect(try await w.act(.reroute(moe: "water", queue: "water-north", reason: "closer"), on: second, scope: nil) == .done)
            #expect(try await w.act(.status(.resolved, publicUpdate: "Fixed", internalNote: nil, expectedAt: nil), on: first, scope: nil) == .done)
            #expect(try await w.act(.residentUpdate(text: "Still leaking", reopen: true), on: first, scope: nil) == .done)
            #expect(try await w.staff.ticket(first, moe: nil)?.status == .acknowledged, "reopened")
            #expect(try await w.act(.residentUpdate(text: "  ", reopen: false), on: first, scope: nil) == .refused("An update needs a description."))
            let updates = try await w.organisations.listing.publicUpdates(from: start, to: w.now.addingTimeInterval(1), limit: 100)
            #expect(updates.map(\.status) == [.acknowledged, .resolved] && updates.last?.note == "Fixed" && updates.allSatisfy { $0.reference == first })
            #expect(try await w.organisations.listing.publicUpdates(from: start, to: w.now.addingTimeInterval(1), limit: 1).count == 1)

            // The person is part of a subject request about the number, and goes with its erasure.
            let subjects = try #require(w.retention as? any SubjectStore)
            #expect(try await subjects.subjectData(resident).tickets.first?.reporter_details == pieter)
            _ = try await subjects.erase(resident, pseudonym: StaffWorld.pseudonyms.of(resident.e164), actor: "test", at: w.now)
            #expect(try await w.staff.file(first, scope: nil)?.details == nil)
            #expect(try await w.staff.file(second, scope: nil)?.details?.email == "anon@example.org", "another report's person stays")
            // ...and with the purge of closed tickets' reporters a year on.
            #expect(try await w.act(.status(.closed, publicUpdate: nil, internalNote: "done", expectedAt: nil), on: second, scope: nil) == .done)
            w.organisations.clock.advance(400 * 86400)
            let purge = Purge(store: try #require(w.retention), audit: w.staff, policy: RetentionPolicy(), pseudonyms: StaffWorld.pseudonyms,
                              clock: w.organisations.clock)
            _ = try await purge.run(dryRun: false)
            #expect(try await w.staff.file(second, scope: nil)?.details == nil)
            let cells = try #require(w.cellsContaining)
            #expect(try await cells("example.org") == [], "no e-mail address left anywhere")
        }
    }

    @Test(arguments: StoreKind.available)
    func aPurgeRemovesPersonalDataPastItsRetentionAndKeepsEveryFigure(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let resident = MSISDN("+27821110001")!
            await w.sms.handle(InboundSMS(provider: "test", providerID: "p1", from: resident, to: nil, text: "REPORT WATER leak at 4 Mofokeng St"))
            let refs = try await w.tickets([("water.leak", "0821110002"), ("roads.pothole", "0821110003")])
            #expect(try await w.act(.status(.resolved, publicUpdate: "Fixed", internalNote: nil, expectedAt: nil), on: refs[0], scope: nil) == .done)
            let quiet = MSISDN("+27821110009")!
            await w.sms.handle(InboundSMS(provider: "test", providerID: "p2", from: quiet, to: nil, text: "STOP"))
            try await w.execute("UPDATE outbox SET status = 'sent'")
            let retention = try #require(w.retention)
            let purge = Purge(store: retention, audit: w.staff, policy: RetentionPolicy(), pseudonyms: Pseudonyms(key: Data(repeating: 7, count: 32)),
                              clock: w.organisations.clock)
            let year = (w.now.addingTimeInterval(-86400), w.now.addingTimeInterval(86400 * 500))
            let figures = try await w.staff.indicatorTickets(moe: nil, from: year.0, to: year.1)

            // Nothing is old enough yet.
            #expect(try await purge.run(dryRun: true).allSatisfy { $0.1 == 0 })
            // 100 days on: message bodies (90 days) and sessions (30), not yet the closed ticket's reporter (365).
            w.organisations.clock.advance(100 * 86400)
            let dry = Dictionary(uniqueKeysWithValues: try await purge.run(dryRun: true))
            #expect(dry[.inboundSMS] == 2 && dry[.outboxSMS]! >= 3 && dry[.reporterNumbers] == 0, "\(dry)")
            #expect(try await w.organisations.outbox(resident).count == 1, "a dry run changes nothing")
            let done = Dictionary(uniqueKeysWithValues: try await purge.run())
            #expect(done[.inboundSMS] == dry[.inboundSMS] && done[.outboxSMS] == dry[.outboxSMS])
            #expect(try await w.organisations.outbox(resident).isEmpty, "no body, no number in clear")
            #expect(try await purge.run(dryRun: true).allSatisfy { $0.1 == 0 }, "nothing left to purge")

            // A year after closure: the resolved ticket's reporter, address and words; the open one keeps them.
            w.organisations.clock.advance(300 * 86400)
            #expect(Dictionary(uniqueKeysWithValues: try await purge.run())[.reporterNumbers] == 1)
            // Each batch says how long it held SQLite's write lock, within its own time; PostgreSQL has no such lock.
            switch kind {
            case .sqlite: #expect(purge.longestHold.duration > .zero && purge.longestHold.duration <= purge.longestBatch.duration)
            case .postgres: #expect(purge.longestHold.duration == .zero && purge.longestBatch.duration > .zero)
            }
            let closed = try #require(try await w.staff.file(refs[0], scope: nil))
            #expect(closed.reporter == nil && closed.ticket.address.isEmpty && closed.ticket.status == .resolved && closed.history.count >= 2)
            #expect(try await w.staff.file(refs[1], scope: nil)?.reporter == MSISDN("+27821110003"))
            // A number with no open ticket, quiet for a year: its STOP is kept under its hash, and still holds.
            let subjects = try #require(w.retention as? any SubjectStore)
            #expect(try await subjects.subjectData(quiet).settings == nil)
            await w.sms.handle(InboundSMS(provider: "test", providerID: "p3", from: quiet, to: nil, text: "HELP"))
            #expect(try await w.organisations.outbox(quiet).isEmpty, "no reply after STOP, even once purged")
            #expect(try await subjects.subjectData(quiet).settings?.opted_out == true)
            // Every figure is as it was; each run is in the audit log.
            #expect(try await w.staff.indicatorTickets(moe: nil, from: year.0, to: year.1) == figures)
            #expect(try await w.staff.auditEntries(scope: nil, limit: 20, offset: 0).filter { $0.action == .purge }.count == 2)
            // Several instances: only the one holding the lease purges, until it lapses.
            #expect(try await retention.leasePurge(holder: "a", until: w.now.addingTimeInterval(3600), now: w.now))
            #expect(try await !retention.leasePurge(holder: "b", until: w.now.addingTimeInterval(3600), now: w.now))
            #expect(try await retention.leasePurge(holder: "a", until: w.now.addingTimeInterval(7200), now: w.now.addingTimeInterval(60)), "renewed")
            #expect(try await retention.leasePurge(holder: "b", until: w.now.addingTimeInterval(9000), now: w.now.addingTimeInterval(7201)))
        }
    }

    @Test(arguments: StoreKind.available)
    func aSubjectSeesEverythingHeldAndErasureLeavesNoTraceButKeepsTheirStop(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let resident = MSISDN("+27821110001")!
            func text(_ body: String) async { await w.sms.handle(InboundSMS(provider: "test", providerID: nil, from: resident, to: nil, text: body)) }
            // USSD: language, a report; SMS: a one-line report; a committee's bulk report; a survey answered.
            let phone = Phone(resident.e164, gateway: try #require(w.ussd))
            _ = await phone.dial()
            for input in ["1", "1", "1", "3", "1", "5 Main Rd"] { _ = await phone.send(input) }
            let done = await phone.send("1")
            let mine = try Reference(parsing: String(done.text.filter(\.isNumber).suffix(9)))
            await text("REPORT ROADS pothole at 7 Side St")
            _ = try await w.tickets([("waste.missed_collection", "0821110001")])
            #expect(try await w.act(.status(.resolved, publicUpdate: "Leak fixed", internalNote: nil, expectedAt: nil), on: mine, scope: nil) == .done)
            w.organisations.clock.advance(3700)
            _ = try await SurveyJob(store: w.staff, engine: w.engine, clock: w.organisations.clock, delay: 3600).run()
            await text("4")

            let subjects = try #require(w.retention as? any SubjectStore)
            let data = try await subjects.subjectData(resident)
            #expect(data.settings?.language == "en" && data.tickets.count == 3 && Set(data.tickets.map(\.channel)) == ["ussd", "sms", "bulk"])
            #expect(data.tickets.first { $0.reference == mine.digits }?.updates.compactMap(\.message) == ["Leak fixed"])
            #expect(data.sms_received.map(\.text) == ["REPORT ROADS pothole at 7 Side St", "4"])
            #expect(data.sms_sent.count >= 4 && data.surveys.map(\.rating) == [4] && data.open_sessions >= 1)

            // An open report whose address holds the resident's own number and e-mail.
            let (ward, _) = try await w.organisations.organisations.add(name: "Ward erase", dailyQuota: 1000, at: w.now)
            let typed = try #require(try await w.organisations.upload(
                [["e1", "water.burst_pipe", "soweto", "12 Vilakazi St, call 082 111 0001 or thabo@example.com", "", "0821110001"]], for: ward
            ).first?.reference)

            await text("STOP")
            let cells = try #require(w.cellsContaining)
            #expect(!(try await cells("821110001")).isEmpty)
            let pseudonym = StaffWorld.pseudonyms.of(resident.e164)
            #expect(try await subjects.erase(resident, pseudonym: pseudonym, actor: "test", at: w.now) > 5)
            #expect(try await cells("821110001") == [], "no trace of the number in clear in any table")
            #expect(try await subjects.subjectData(resident).isEmpty)
            #expect(try await w.staff.auditEntries(scope: nil, limit: 5, offset: 0).first?.action.rawValue == "subject erased")
            #expect(try await w.staff.file(mine, scope: nil)?.ticket.status == .resolved, "the ticket and its history stay")
            #expect(try await w.staff.file(try Reference(parsing: typed), scope: nil)?.ticket.address
                    == "12 Vilakazi St, call \(PublicText.numberRemoved) or \(PublicText.emailRemoved)",
                    "an open ticket keeps its address for the crew, without the number and e-mail typed into it")

            // A committee reports for the erased number: its confirmation is queued, and suppressed as its STOP says.
            let outbox = try #require(w.outbox)
            _ = try await outbox.claimDue(limit: 100, now: w.now)  // what was queued before the erasure
            _ = try await w.tickets([("water.burst_pipe", "0821110001")])
            #expect(try await outbox.claimDue(limit: 100, now: w.now, cap: nil, pseudonyms: StaffWorld.pseudonyms).isEmpty)
            #expect(try await w.organisations.outbox(resident).count == 1, "queued, and kept visible as suppressed")
            let someoneElse = MSISDN("+27821110002")!
            _ = try await w.tickets([("water.burst_pipe", someoneElse.e164)])
            #expect(try await outbox.claimDue(limit: 100, now: w.now, cap: nil, pseudonyms: StaffWorld.pseudonyms).map(\.to) == [someoneElse],
                    "a number never seen is not mistaken for a stopped one")
            // Both in one claim: each number is looked up under its own pseudonym.
            let third = MSISDN("+27821110003")!
            _ = try await w.tickets([("water.burst_pipe", "0821110001"), ("water.burst_pipe", third.e164)])
            #expect(try await outbox.claimDue(limit: 100, now: w.now, cap: nil, pseudonyms: StaffWorld.pseudonyms).map(\.to) == [third])
            #expect(try await w.organisations.outbox(resident).count == 2, "the second confirmation suppressed too")

            // The number writes again: its STOP still holds (no reply) and is kept in clear again from now.
            await text("HELP")
            #expect(try await w.organisations.outbox(resident).count == 2, "no reply: only the suppressed confirmations")
            #expect(try await subjects.subjectData(resident).settings?.opted_out == true)
        }
    }
}

/// A ledger that cannot write one ticket (as a store failing on its row would), and passes every other through.
struct RefusingLedger: TicketLedger {
    let inner: any TicketLedger
    let refused: Reference
    struct Refused: Error {}

    func change<R: Sendable>(_ reference: Reference, scope: String?, master: Reference?, triageMOE: String,
                             _ plan: @escaping @Sendable (TicketSnapshot) -> (work: [TicketWork], result: R)) async throws -> R? {
        guard reference != refused else { throw Refused() }
        return try await inner.change(reference, scope: scope, master: master, triageMOE: triageMOE, plan)
    }

    func assigning<R: Sendable>(crew: String, to reference: Reference, scope: String?, triageMOE: String,
                                _ plan: @escaping @Sendable (TicketSnapshot, Crew?) -> (work: [TicketWork], result: R)) async throws -> R? {
        guard reference != refused else { throw Refused() }
        return try await inner.assigning(crew: crew, to: reference, scope: scope, triageMOE: triageMOE, plan)
    }
}
