import Domain
import Foundation
import Gateway
import GRDB
@testable import Store
import TestSupport
import Synchronization
import Testing

/// SQLite keeps sessions in progress in memory (`LiveSessions`) and saves them behind; what it
/// must never do is lose a reference, show one before it is on disk, bring back an erased
/// session, or grow without bound. (The conversation conformance suite runs the whole hop
/// contract over it as well.)
@Suite struct LiveSessionsTests {
    let caller = MSISDN("+27821234567")!
    let report = ["1", "1", "1", "1", "1", "12 Vilakazi St"]

    func gateway(_ db: AppDatabase, clock: TestClock = TestClock()) throws -> UssdGateway {
        let references = TestReferences(seed: 9)
        return UssdGateway(engine: try shippedDefinitions().engine(), store: SQLiteConversationStore(db), clock: clock,
                           references: { references.next() })
    }

    func hop(_ g: UssdGateway, _ session: String, _ history: [String], phone: MSISDN? = nil) async -> UssdReply {
        await g.handle(UssdEvent(provider: "africastalking", sessionID: session, msisdn: phone ?? caller, serviceCode: "*120*1234#",
                                 network: "65501", input: .history(history.joined(separator: "*"))))
    }

    func rows(_ db: AppDatabase, _ sql: String) throws -> Int {
        try db.writer.read { try Int.fetchOne($0, sql: sql) ?? -1 }
    }

    func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("live-\(UUID().uuidString).sqlite").path
    }

    @Test func aSessionThatOnlyMovedIsOnDiskAfterTheServerStopsAndADroppedReportResumesAfterARestart() async throws {
        let path = temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clock = TestClock()
        do {
            let db = try AppDatabase.open(path: path)
            let g = try gateway(db, clock: clock)
            _ = await hop(g, "a", [])
            for i in 1...3 { _ = await hop(g, "a", Array(report.prefix(i))) }
            try await SQLiteConversationStore(db).saveHeldSessions()
            // The caller hangs up here; the server stops and starts again.
            #expect(try rows(db, "SELECT version FROM ussd_sessions WHERE key = 'africastalking:a'") == 4)
        }
        let g = try gateway(try AppDatabase.open(path: path), clock: clock)
        clock.advance(60)
        #expect(await hop(g, "b", []).text.contains("unfinished"), "a redial offers to continue the report kept on disk")
    }

    @Test func aDroppedReportHeldOnlyInMemoryIsOfferedOnRedial() async throws {
        let db = try AppDatabase.inMemory()
        let g = try gateway(db)
        _ = await hop(g, "a", [])
        for i in 1...3 { _ = await hop(g, "a", Array(report.prefix(i))) }
        #expect(await hop(g, "b", []).text.contains("unfinished"))
    }

    @Test func aLanguageChosenOnAScreenIsSeenAtOnceAndOnDiskWithTheReportOrTheNextSave() async throws {
        let db = try AppDatabase.inMemory()
        let g = try gateway(db)
        let store = SQLiteConversationStore(db)
        _ = await hop(g, "a", [])
        _ = await hop(g, "a", ["2"])  // the second language offered
        let chosen = try #require(try await store.read { try $0.language(of: self.caller) })
        #expect(chosen != "en")
        #expect(try await store.read { try $0.subscriber(self.caller)?.language } == chosen, "an SMS from the number now reads it too")
        for i in 2...report.count { _ = await hop(g, "a", ["2"] + Array(report.prefix(i).dropFirst())) }
        let done = await hop(g, "a", ["2"] + Array(report.dropFirst()) + ["1"])
        #expect(done.isFinal)
        // Written in the report's transaction, whatever the save rounds did.
        #expect(try await db.writer.read { try String.fetchOne($0, sql: "SELECT language FROM subscribers WHERE msisdn = ?", arguments: [self.caller.e164]) } == chosen)

        let other = MSISDN("+27825550000")!
        _ = await hop(g, "b", [], phone: other)
        _ = await hop(g, "b", ["2"], phone: other)
        try await db.live.saveNow()
        #expect(try await db.writer.read { try String.fetchOne($0, sql: "SELECT language FROM subscribers WHERE msisdn = ?", arguments: [other.e164]) } == chosen)
    }

    @Test func anIncidentDeclaredOrClosedIsSeenByTheNextReportAlthoughOpenIncidentsAreHeldInMemory() async throws {
        let world = try TestGateway()
        let engine = world.gateway.engine
        let electricity = try #require(engine.catalogue.service("electricity"))
        let outage = String(try #require(electricity.faults.firstIndex { $0.code == "outage" }) + 1)
        var n = 0
        func areaStep() async -> UssdReply {
            n += 1
            let phone = Phone("+2782333000\(n)", gateway: world.gateway)
            _ = await phone.dial()
            for input in ["1", "1", "2", outage] { _ = await phone.send(input) }  // English, report, electricity, outage
            return await phone.send("1")  // Soweto
        }
        let address = engine.locales.locale("en").strings["report.address"]!
        #expect(await areaStep().text.hasPrefix(address), "no incident yet: asked for the address (and none is held)")
        let incident = try await world.staff.declare(IncidentDraft(service: "electricity", faults: ["outage"], areas: ["soweto"], description: "Substation"),
                                                     moe: "electricity", actor: "test", address: nil, at: world.clock.now())
        #expect(await !areaStep().text.hasPrefix(address), "the next caller is told of the incident at once")
        _ = try await world.staff.changeIncident(incident.id, moe: "electricity", IncidentDraft(), closing: true, broadcast: nil, actor: "test",
                                                 address: nil, at: world.clock.now())
        #expect(await areaStep().text.hasPrefix(address), "closed: the next caller reports as usual")
    }

    @Test func aSaveInATransactionThatRollsBackLeavesSessionsAndLanguagesUnsaved() async throws {
        let db = try AppDatabase.inMemory()
        let g = try gateway(db)
        _ = await hop(g, "a", [])
        _ = await hop(g, "a", ["2"])
        struct Abandoned: Error {}
        await #expect(throws: Abandoned.self) {
            try await db.writer.write { database in
                try db.live.save(database)
                throw Abandoned()  // an erasure or purge failing after the save
            }
        }
        #expect(try rows(db, "SELECT COUNT(*) FROM ussd_sessions") == 0)
        #expect(db.live.heldLanguage(caller) != nil, "the language is still held, not lost")
        try await db.live.saveNow()
        #expect(try rows(db, "SELECT COUNT(*) FROM ussd_sessions") == 1)
        #expect(try rows(db, "SELECT COUNT(*) FROM subscribers WHERE language IS NOT NULL") == 1)
        #expect(db.live.heldLanguage(caller) == nil)
    }

    @Test func anErasedNumbersSessionIsNotWrittenBackByALaterSave() async throws {
        let db = try AppDatabase.inMemory()
        let g = try gateway(db)
        _ = await hop(g, "a", [])
        for i in 1...3 { _ = await hop(g, "a", Array(report.prefix(i))) }
        _ = try await SQLiteRetentionStore(db).erase(caller, pseudonym: "h:erased", actor: "test", at: Date())
        try await db.live.saveNow()
        #expect(try rows(db, "SELECT COUNT(*) FROM ussd_sessions") == 0)
        // The session is gone everywhere: its next answer is met as an unknown session's.
        let next = await hop(g, "a", Array(report.prefix(4)))
        #expect(next.isFinal)
        try await db.live.saveNow()
        #expect(try rows(db, "SELECT COUNT(*) FROM ussd_sessions") == 0)
    }

    @Test func aRowDeletedByAnotherProcessIsNotRecreated() async throws {
        let path = temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let db = try AppDatabase.open(path: path)
        let g = try gateway(db)
        _ = await hop(g, "a", [])
        _ = await hop(g, "a", ["1"])
        try await db.live.saveNow()
        _ = await hop(g, "a", ["1", "1"])  // held, newer than its row
        let other = try DatabaseQueue(path: path)  // `civicgate subject erase` in another process
        try await other.write { try $0.execute(sql: "DELETE FROM ussd_sessions") }
        try await db.live.saveNow()
        #expect(try rows(db, "SELECT COUNT(*) FROM ussd_sessions") == 0)
    }

    @Test func aDuplicateReadsASessionOnlyAfterItsTransactionSettles() async throws {
        let db = try AppDatabase.inMemory()
        let live = db.live
        let start = StoredSession(key: "k", msisdn: caller, serviceCode: "*120#", session: .init(language: "en", state: "main"),
                                  lastText: "", lastReply: UssdReply(text: "menu", isFinal: false), resumable: true,
                                  version: 1, createdAt: Date(), updatedAt: Date())
        #expect(live.advance(start))
        var next = start
        next.version = 2
        next.lastReply = UssdReply(text: "Your reference is 123 456 789", isFinal: true)
        #expect(live.reserve(next))
        guard case .pending = live.lookup("k") else { Issue.record("a session being written is not shown"); return }
        #expect(!live.advance(next) && !live.reserve(next), "a second writer of the same version is refused")
        let store = SQLiteConversationStore(db)
        let waiting = Task { try await store.read { try $0.session(key: "k") } }
        live.settle(next, committed: true)
        #expect(try await waiting.value?.lastReply == next.lastReply)
    }

    @Test func aFailedTransactionLeavesTheSessionAsItWas() throws {
        let live = try AppDatabase.inMemory().live
        let start = StoredSession(key: "k", msisdn: caller, serviceCode: "*120#", session: .init(language: "en", state: "main"),
                                  lastText: "", lastReply: nil, resumable: true, version: 1, createdAt: Date(), updatedAt: Date())
        #expect(live.reserve(start))
        live.settle(start, committed: false)
        guard case .miss = live.lookup("k") else { Issue.record("a session never written is not held"); return }
        #expect(live.advance(start))
        var next = start
        next.version = 2
        #expect(live.reserve(next))
        live.settle(next, committed: false)
        guard case .hit(let held) = live.lookup("k") else { Issue.record("the session before the failure is held"); return }
        #expect(held.version == 1)
    }

    @Test func memoryStaysBoundedAndUnsavedSessionsAreNeverDropped() async throws {
        let writer = try DatabaseQueue()
        let db = try AppDatabase(writer)
        let live = LiveSessions(writer: writer, capacity: 10, saveDelay: .seconds(3600))
        for i in 0..<30 {
            let s = StoredSession(key: "k\(i)", msisdn: MSISDN("+2782100\(String(format: "%04d", i))")!, serviceCode: "*120#",
                                  session: .init(language: "en", state: "main"), lastText: "", lastReply: nil, resumable: true,
                                  version: 1, createdAt: Date(), updatedAt: Date())
            #expect(live.advance(s))
        }
        #expect(live.state.withLock { $0.entries.count } == 30, "nothing is dropped before it is saved")
        try await db.writer.write { try live.save($0) }
        #expect(try rows(db, "SELECT COUNT(*) FROM ussd_sessions") == 30)
        #expect(live.state.withLock { $0.entries.count } <= 10)
    }

    @Test func theLeastRecentlyUsedSavedSessionsLeaveFirst() async throws {
        let writer = try DatabaseQueue()
        let db = try AppDatabase(writer)
        let live = LiveSessions(writer: writer, capacity: 10, saveDelay: .seconds(3600))
        for i in 0..<30 {
            let s = StoredSession(key: "k\(i)", msisdn: MSISDN("+2782100\(String(format: "%04d", i))")!, serviceCode: "*120#",
                                  session: .init(language: "en", state: "main"), lastText: "", lastReply: nil, resumable: true,
                                  version: 1, createdAt: Date(), updatedAt: Date())
            #expect(live.advance(s))
        }
        // The first session is read again after the last was written: the most recently used.
        guard case .hit = live.lookup("k0") else { Issue.record("k0 is held before the save"); return }
        try await db.writer.write { try live.save($0) }
        let held = live.state.withLock { Set($0.entries.keys) }
        #expect(held.contains("k0"), "a session just read stays")
        #expect(held.contains("k29"), "the newest stays")
        #expect(!held.contains("k1") && !held.contains("k10"), "the oldest untouched ones leave")
        #expect(held.count <= 10)
    }

    @Test(.timeLimit(.minutes(3)))  // a guard against a hang: in the full suite every await waits for the shared pool
    func aHopAskingForAnotherOfferLookupOnItsSecondRunIsAnsweredOnTheWriter() async throws {
        let store = SQLiteConversationStore(try AppDatabase.inMemory())
        let runs = Mutex(0)
        // A decision whose question changes on every run (as with a clock read inside it) must
        // still end: the second, different lookup goes to the writer's transaction.
        let found = try await store.read { reads in
            let run = runs.withLock { $0 += 1; return $0 }
            return try reads.duplicateCandidates(service: "water", area: "soweto", since: Date(timeIntervalSince1970: Double(run)), digits: "12",
                                                 notReportedBy: MSISDN("+27821234567")!, limit: 5).count
        }
        #expect(found == 0)
        #expect(runs.withLock { $0 } == 3, "from memory, again with the reader's answer, then on the writer")
    }

    @Test func datesAreWrittenAsGRDBWritesThem() throws {
        var generator = SystemRandomNumberGenerator()
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_764_547_199.9999), Date(timeIntervalSince1970: 951_782_400.5),
                     Date(timeIntervalSince1970: -1.0005), Date(timeIntervalSinceReferenceDate: 0.001)]
        for _ in 0..<2000 { dates.append(Date(timeIntervalSince1970: Double.random(in: 0...4_102_444_800, using: &generator))) }
        for date in dates {
            #expect(DatabaseDate.text(date) == String.fromDatabaseValue(date.databaseValue), "\(date.timeIntervalSince1970)")
        }
    }
}

/// Hops that store something are committed in rounds (`HopCommitter`): one transaction, one
/// fsync, each hop in its own savepoint.
@Suite struct HopCommitTests {
    func ticketHop(_ reference: Reference, _ caller: MSISDN, key: String) -> HopWrite {
        let now = Date()
        let draft = TicketDraft(reference: reference, service: "water", fault: "burst_pipe", area: "ward_12", address: "12 Main Rd",
                                channel: .ussd, reporter: caller, language: "en")
        let session = StoredSession(key: key, msisdn: caller, serviceCode: "*120#", session: .init(language: "en", state: "done", ended: true),
                                    lastText: "1", lastReply: UssdReply(text: "Reference \(reference.digits)", isFinal: true),
                                    resumable: false, version: 1, createdAt: now, updatedAt: now)
        return HopWrite(session: session, at: now, ticket: NewTicket(draft: draft, destination: Destination(moe: "water", queue: "water-north"),
                                                                     createdAt: now, confirmation: "Your reference is \(reference.digits)"))
    }

    @Test func aHopRefusedInARoundRollsBackAloneAndTheOthersCommit() throws {
        let db = try AppDatabase.inMemory()
        let draws = TestReferences(seed: 1)
        let taken = draws.next(), fresh = draws.next()
        let a = MSISDN("+27821000001")!, b = MSISDN("+27821000002")!, c = MSISDN("+27821000003")!
        let round = [ticketHop(taken, a, key: "a"), ticketHop(taken, b, key: "b"), ticketHop(fresh, c, key: "c")].map { ($0, String?.none) }
        let results = try db.writer.writeWithoutTransaction { try db.hops.round(round, $0) }
        #expect(results.map { try? $0.get() } == [.committed, .referenceTaken, .committed])
        let stored = try db.writer.read { db in
            (try String.fetchAll(db, sql: "SELECT reporter FROM tickets ORDER BY reporter"),
             try String.fetchAll(db, sql: "SELECT key FROM ussd_sessions ORDER BY key"),
             try String.fetchAll(db, sql: "SELECT msisdn FROM outbox ORDER BY msisdn"))
        }
        #expect(stored.0 == [a.e164, c.e164], "b's ticket, session and SMS went back with its savepoint")
        #expect(stored.1 == ["a", "c"])
        #expect(stored.2 == [a.e164, c.e164])
    }

    @Test func manyReportsFinishingAtOnceAreAllStoredWithTheReferenceEachWasShown() async throws {
        let db = try AppDatabase.inMemory()
        let references = TestReferences(seed: 3)
        let gateway = UssdGateway(engine: try shippedDefinitions().engine(), store: SQLiteConversationStore(db), clock: TestClock(),
                                  references: { references.next() })
        // Forty different places: forty tickets, none offered as "already reported".
        func report(_ n: Int) -> [String] { ["1", "1", "1", "1", "1", "\(n + 1) Vilakazi St"] }
        func hop(_ n: Int, _ history: [String]) async -> UssdReply {
            await gateway.handle(UssdEvent(provider: "africastalking", sessionID: "s\(n)", msisdn: MSISDN("+2782200\(String(format: "%04d", n))")!,
                                           serviceCode: "*120*1234#", network: "65501", input: .history(history.joined(separator: "*"))))
        }
        for n in 0..<40 {
            _ = await hop(n, [])
            for i in 1...report(n).count { _ = await hop(n, Array(report(n).prefix(i))) }
        }
        let replies = await withTaskGroup(of: UssdReply.self) { group in
            for n in 0..<40 { group.addTask { await hop(n, report(n) + ["1"]) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let shown = Set(replies.map { String($0.text.filter(\.isNumber).suffix(9)) })
        let stored = try await db.writer.read { try Set(String.fetchAll($0, sql: "SELECT reference FROM tickets")) }
        #expect(replies.allSatisfy(\.isFinal) && shown.count == 40)
        #expect(stored == shown)
    }

    /// Each round tells how long its hops waited for the writer and how long it took (the
    /// writer's figures on `/metrics`): a hop handed over while a round is in progress waits at
    /// least until that round ends and the next starts. (The limit is a guard against a hang: in
    /// the full suite on two cores this body waits for the shared task pool at every `await`.)
    @Test(.timeLimit(.minutes(3)))
    func aRoundTellsHowLongItsHopsWaitedForTheWriter() async throws {
        let db = try AppDatabase.inMemory()
        let rounds = Mutex<[RoundFigures]>([])
        db.observeRounds { figures in rounds.withLock { $0.append(figures) } }
        let draws = TestReferences(seed: 5)
        let hops = db.hops
        // A round in progress, as the committer sees it (no thread is held: nothing here can
        // starve the tests running beside it): the hop handed over now waits in the queue.
        hops.queue.withLock { $0.committing = true }
        let first = Task { try await hops.commit(ticketHop(draws.next(), MSISDN("+27821000011")!, key: "w")) }
        while hops.queue.withLock({ $0.waiting.isEmpty }) { try await Task.sleep(for: .milliseconds(1)) }
        try await Task.sleep(for: .milliseconds(30))
        hops.scheduleRound()  // the round in progress ends: the next one takes the waiting hop
        #expect(try await first.value == .committed)
        // A second hop on an idle writer: a round of its own.
        #expect(try await hops.commit(ticketHop(draws.next(), MSISDN("+27821000012")!, key: "x")) == .committed)
        // Told once the round's hops are answered: the second round's figures may come just after.
        while rounds.withLock({ $0.count }) < 2 { try await Task.sleep(for: .milliseconds(1)) }
        let seen = rounds.withLock { $0 }
        #expect(seen.map(\.waits.count) == [1, 1])
        #expect(seen[0].waits[0] >= .milliseconds(30), "waited while a round was in progress")
        #expect(seen.allSatisfy { $0.duration > .zero })
    }
}
