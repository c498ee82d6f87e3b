import Domain
import FlowEngine
import Foundation
import Gateway
import PostgresNIO
import Synchronization
@testable import PostgresStore
import TestSupport
import Testing

/// On PostgreSQL the hops that only move a caller on are written many to a statement
/// (`SessionWrites`). Each hop must still be decided as if it were written alone.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"] != nil))
struct SessionWritesTests {
    let at = Date(timeIntervalSince1970: 1_800_000_000)

    func session(_ key: String, version: Int, caller: Int = 1, state: String = "main", lastText: String? = "1",
                 reply: UssdReply? = UssdReply(text: "Menu", isFinal: false)) -> StoredSession {
        StoredSession(key: key, msisdn: MSISDN("+2782100\(String(format: "%04d", caller))")!, serviceCode: "*120#",
                      session: Session(language: "en", state: state), lastText: lastText, lastReply: reply, resumable: true,
                      version: version, createdAt: at, updatedAt: at.addingTimeInterval(Double(version)))
    }

    func stored(_ database: PostgresAppDatabase) async throws -> [String: (version: Int64, lastText: String?, reply: String?, final: Bool?, state: String)] {
        var out: [String: (version: Int64, lastText: String?, reply: String?, final: Bool?, state: String)] = [:]
        for try await (key, version, text, reply, final, state) in try await database.client
            .query("SELECT key, version, last_text, last_reply, last_reply_final, state FROM ussd_sessions")
            .decode((String, Int64, String?, String?, Bool?, String).self) {
            out[key] = (version, text, reply, final, state)
        }
        return out
    }

    func languages(_ database: PostgresAppDatabase) async throws -> [String: String?] {
        var out: [String: String?] = [:]
        for try await (msisdn, language) in try await database.client.query("SELECT msisdn, language FROM subscribers").decode((String, String?).self) {
            out[msisdn] = language
        }
        return out
    }

    /// One statement, every kind of hop: each row is decided on its own.
    @Test func oneBatchDecidesEachHopAsIfItWereWrittenAlone() async throws {
        try await FreshPostgres.with { database in
            let hops = database.hops
            // Stored first, one at a time: "old" at version 3, "taken" at version 1.
            for s in [session("old", version: 1), session("taken", version: 1)] {
                _ = try await hops.execute(SaveSessions([(s, nil)]), logger: database.logger).reduce(0) { n, _ in n + 1 }
            }
            _ = try await hops.execute(SaveSessions([(session("old", version: 2), nil)]), logger: database.logger).reduce(0) { n, _ in n + 1 }
            _ = try await hops.execute(SaveSessions([(session("old", version: 3), nil)]), logger: database.logger).reduce(0) { n, _ in n + 1 }

            let batch: [(StoredSession, SessionWrites.Language?)] = [
                (session("new", version: 1, caller: 2, lastText: nil, reply: nil), nil),                   // inserted, NULLs kept
                (session("taken", version: 1, caller: 3, state: "other"), nil),                              // key taken: not written
                (session("old", version: 4, state: "problem", lastText: "1*1*1",
                         reply: UssdReply(text: "Thank you", isFinal: true)), .init(msisdn: "+27821000001", code: "zu")),  // moves 3 to 4
                (session("stale", version: 5, caller: 4), .init(msisdn: "+27821000004", code: "af")),       // no such row: not written
            ]
            var saved = Set<String>()
            for try await key in try await hops.execute(SaveSessions(batch), logger: database.logger) { saved.insert(key) }
            #expect(saved == ["new", "old"])

            let rows = try await stored(database)
            #expect(rows.count == 3)
            #expect(rows["new"]?.version == 1 && rows["new"]?.lastText == nil && rows["new"]?.reply == nil && rows["new"]?.final == nil)
            #expect(rows["taken"]?.state.contains("other") == false, "the first writer's session stays")
            #expect(rows["old"]?.version == 4 && rows["old"]?.lastText == "1*1*1" && rows["old"]?.reply == "Thank you" && rows["old"]?.final == true)
            #expect(rows["stale"] == nil)
            // Only the hop whose session was written keeps its language.
            #expect(try await languages(database) == ["+27821000001": "zu"])

            // The same move again (a retry of version 4): refused, nothing changes.
            var again = Set<String>()
            for try await key in try await hops.execute(SaveSessions([batch[2]]), logger: database.logger) { again.insert(key) }
            #expect(again.isEmpty)
        }
    }

    /// Callers at once: every distinct session is written; of hops racing on one session from the
    /// same version, exactly one wins, however they are batched.
    @Test func concurrentHopsAreBatchedWithoutLosingOrDoublingAMove() async throws {
        try await FreshPostgres.with { database in
            let writes = database.sessionWrites
            let created = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<60 { group.addTask { try await writes.save(session("k\(i)", version: 1, caller: i)) } }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(created.count == 60 && created.allSatisfy { $0 })
            // Forty retries of the same move of k0 from version 1 to 2, and a move of every other session.
            let moved = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
                for _ in 0..<40 { group.addTask { ("k0", try await writes.save(session("k0", version: 2, state: "next"))) } }
                for i in 1..<60 { group.addTask { ("k\(i)", try await writes.save(session("k\(i)", version: 2, caller: i, state: "next"))) } }
                return try await group.reduce(into: [(String, Bool)]()) { $0.append($1) }
            }
            #expect(moved.filter { $0.0 == "k0" && $0.1 }.count == 1, "one of the racing moves wins")
            #expect(moved.filter { $0.0 != "k0" }.allSatisfy { $0.1 })
            let rows = try await stored(database)
            #expect(rows.count == 60 && rows.values.allSatisfy { $0.version == 2 })
        }
    }

    /// A batch the database refuses as a whole is written hop by hop: the good hops are stored and
    /// only the bad one fails.
    @Test func aHopTheDatabaseRefusesFailsAloneNotItsBatch() async throws {
        try await FreshPostgres.with { database in
            let writes = database.sessionWrites
            let results = await withTaskGroup(of: (String, Result<Bool, any Error>).self) { group in
                for i in 0..<20 {
                    // A NUL character is not valid in PostgreSQL text: that statement fails.
                    let s = session("k\(i)", version: 1, caller: i, lastText: i == 7 ? "1\u{0}" : "1")
                    group.addTask {
                        do { return (s.key, .success(try await writes.save(s))) } catch { return (s.key, .failure(error)) }
                    }
                }
                return await group.reduce(into: [String: Result<Bool, any Error>]()) { $0[$1.0] = $1.1 }
            }
            for (key, result) in results {
                switch result {
                case .success(let saved): #expect(key != "k7" && saved, "\(key)")
                case .failure: #expect(key == "k7")
                }
            }
            let rows = try await stored(database)
            #expect(rows.count == 19 && rows["k7"] == nil)
        }
    }

    /// Who goes in the next batch: the oldest hops, a session key once, a caller's language once.
    @Test func aBatchHoldsEachSessionAndEachCallersLanguageOnce() async throws {
        // Continuations are needed to build hops; they are resumed before the test ends.
        try await withThrowingTaskGroup(of: Bool.self) { group in
            let collected = Collected()
            let ready = AsyncStream<Void>.makeStream()
            let specs: [(String, String?)] = [("a", nil), ("b", "+27821000001"), ("a", nil), ("c", "+27821000001"), ("d", nil), ("e", nil)]
            var waiting = ready.stream.makeAsyncIterator()
            for (key, caller) in specs {
                group.addTask {
                    try await withCheckedThrowingContinuation { done in
                        let language = caller.map { SessionWrites.Language(msisdn: $0, code: "en") }
                        collected.hops.withLock { $0.append(.init(session: session(key, version: 2), language: language, done: done)) }
                        ready.continuation.yield()
                    }
                }
                _ = await waiting.next()
            }
            var all = collected.hops.withLock { $0 }
            let first = SessionWrites.take(&all, limit: 3)
            #expect(first.map(\.session.key) == ["a", "b", "d"], "the second a and c (b's caller) wait")
            #expect(all.map(\.session.key) == ["a", "c", "e"])
            let second = SessionWrites.take(&all, limit: 10)
            #expect(second.map(\.session.key) == ["a", "c", "e"] && all.isEmpty)
            for hop in first + second { hop.done.resume(returning: true) }
            try await group.waitForAll()
        }
    }
}

/// The hops a test builds, from the tasks that wait on them.
final class Collected: Sendable {
    let hops = Mutex<[SessionWrites.Hop]>([])
}
