import Domain
import Foundation
import Gateway
import GRDB
@testable import Store
import TestSupport
import Testing

/// The first hop of a caller the database does not know is answered from memory
/// (`KnownCallers`); it must never take a caller with a language, a STOP, a pseudonym or a
/// session on disk for a new one, whoever wrote the row. Memory is trusted for an hour here, so
/// that no assertion depends on how fast the test runs.
@Suite struct KnownCallersTests {
    let known = MSISDN("+27821234567")!
    let stranger = MSISDN("+27825550000")!
    static let hour = Duration.seconds(3600)

    /// A check, as a round or a read on the writer makes, and the load it may start.
    func check(_ db: AppDatabase) async throws {
        try await db.writer.writeWithoutTransaction { try db.callers.verify($0) }
        await db.callers.loaded()
        try await db.writer.writeWithoutTransaction { try db.callers.verify($0) }
    }

    func memory(_ db: AppDatabase) -> MemoryReads {
        MemoryReads(live: db.live, incidents: db.openIncidents, callers: db.callers)
    }

    func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("callers-\(UUID().uuidString).sqlite").path
    }

    func gateway(_ db: AppDatabase) throws -> UssdGateway {
        let references = TestReferences(seed: 4)
        return UssdGateway(engine: try shippedDefinitions().engine(), store: SQLiteConversationStore(db), clock: TestClock(),
                           references: { references.next() })
    }

    func dial(_ g: UssdGateway, _ session: String, _ caller: MSISDN, _ history: [String] = []) async -> UssdReply {
        await g.handle(UssdEvent(provider: "africastalking", sessionID: session, msisdn: caller, serviceCode: "*120*1234#",
                                 network: "65501", input: .history(history.joined(separator: "*"))))
    }

    @Test func aStrangersFirstHopIsReadFromMemoryAndAKnownCallersFromTheDatabase() async throws {
        let db = try AppDatabase.inMemory(callersTrustedFor: Self.hour)
        try await db.writer.write { db in
            try db.execute(sql: "INSERT INTO subscribers (msisdn, language, updated_at) VALUES (?, 'zu', ?)", arguments: [self.known.e164, Date()])
        }
        try await check(db)
        let reads = memory(db)
        #expect(try reads.language(of: stranger) == nil)
        #expect(try reads.subscriber(key: "a-pseudonym") == nil)
        #expect(try reads.session(key: "africastalking:new") == nil)
        #expect(try reads.unfinishedSession(of: stranger, since: .distantPast, excluding: "africastalking:new") == nil)
        #expect(throws: LiveSessions.Miss.self) { try reads.language(of: known) }
        #expect(throws: LiveSessions.Miss.self) { try reads.unfinishedSession(of: known, since: .distantPast, excluding: "x") }

        // The same answers as the database gives, through the gateway.
        let g = try gateway(db)
        let fromMemory = await dial(g, "a", stranger).text
        let fromDisk = await dial(try gateway(try AppDatabase.inMemory(callersTrustedFor: .zero)), "a", stranger).text
        #expect(fromMemory == fromDisk)
        #expect(await dial(g, "b", known).text != fromMemory, "the known caller's language")
    }

    @Test func everyRowThisProcessWritesIsKnownBeforeItCommits() async throws {
        let app = try AppDatabase.inMemory(callersTrustedFor: Self.hour)
        try await check(app)
        let g = try gateway(app)
        _ = await dial(g, "a", stranger)
        _ = await dial(g, "a", stranger, ["1"])
        try await app.live.saveNow()  // its row, by a save round
        #expect(app.callers.mayHold(stranger.e164))
        #expect(app.callers.mayHold("africastalking:a"))

        let other = MSISDN("+27825550001")!
        let knownInside = try await app.writer.write { db -> Bool in
            try SubscriberRows.setOptOut(db, other, true, at: Date())
            return app.callers.mayHold(other.e164)
        }
        #expect(knownInside, "noted inside the writing transaction, before its commit")

        try await app.writer.write { db in
            try db.execute(sql: "UPDATE subscribers SET msisdn = 'a-pseudonym' WHERE msisdn = ?", arguments: [other.e164])
        }
        #expect(app.callers.mayHold("a-pseudonym"), "a number hidden under its pseudonym")
        #expect(!app.callers.mayHold(known.e164))
    }

    @Test func rowsOnDiskBeforeTheProcessStartedAreKnown() async throws {
        let path = temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let earlier = try AppDatabase.open(path: path)
            let g = try gateway(earlier)
            _ = await dial(g, "a", known)
            _ = await dial(g, "a", known, ["2"])  // a language chosen on a screen
            try await earlier.live.saveNow()
        }
        let db = try AppDatabase.open(path: path, callersTrustedFor: Self.hour)
        #expect(!db.callers.knowsNothing(of: stranger.e164), "nothing is trusted before the first check")
        try await check(db)
        #expect(db.callers.knowsNothing(of: stranger.e164))
        #expect(!db.callers.knowsNothing(of: known.e164))
        #expect(!db.callers.knowsNothing(of: "africastalking:a"))
        let chosen = try await SQLiteConversationStore(db).read { try $0.language(of: self.known) }
        #expect(chosen != nil && chosen != "en", "read from disk, not taken for a stranger's")
    }

    @Test func aRowAnotherProcessWritesIsKnownAfterTheNextCheck() async throws {
        let path = temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let serving = try AppDatabase.open(path: path, callersTrustedFor: Self.hour)
        try await check(serving)
        #expect(serving.callers.knowsNothing(of: stranger.e164))

        let other = try AppDatabase.open(path: path)  // `simulate`, another process on the same file
        try await other.writer.write { db in try SubscriberRows.setLanguage(db, self.stranger.e164, "zu", at: Date()) }
        #expect(serving.callers.knowsNothing(of: stranger.e164), "unseen until the next check")

        try await check(serving)  // as the next round or read on the writer does
        #expect(!serving.callers.knowsNothing(of: stranger.e164))
        let first = await dial(try gateway(serving), "b", stranger).text
        let english = await dial(try gateway(try AppDatabase.inMemory()), "c", stranger).text
        #expect(first != english, "the language chosen elsewhere, not the default")
    }

    @Test func memoryIsTrustedOnlyForAMomentAfterACheck() async throws {
        let db = try AppDatabase.inMemory()
        let never = KnownCallers(writer: db.writer, trustFor: .zero)
        for _ in 0..<2 {
            try await db.writer.writeWithoutTransaction { try never.verify($0) }
            await never.loaded()
        }
        #expect(never.mayHold(stranger.e164) == false)
        #expect(!never.knowsNothing(of: stranger.e164), "past its trust, memory sends the hop to the database")
        #expect(!KnownCallers(writer: db.writer, trustFor: Self.hour).knowsNothing(of: stranger.e164), "and before the first check")
    }

    @Test func hashesThatOutgrowTheTablesAreLoadedAgain() async throws {
        let db = try AppDatabase.inMemory(callersTrustedFor: Self.hour)
        try await check(db)
        for n in 0..<50_001 { db.callers.note("gone-\(n)") }  // callers whose sessions were swept
        try await db.writer.writeWithoutTransaction { try db.callers.reloadIfOutgrown($0) }
        await db.callers.loaded()
        #expect(!db.callers.mayHold("gone-7"))
    }
}
