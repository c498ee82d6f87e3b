import Domain
import FlowEngine
import Foundation
import Gateway
import PostgresNIO
import PostgresStore
import TestSupport
import Testing

/// Each PostgreSQL instance remembers the sessions its hops wrote, and plans the next hop on what
/// it remembers. What it remembers may be stale: another instance moved the session on, or it was
/// swept. Every answer must still be the one the stored session gives.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"] != nil))
struct RememberedSessionsTests {
    let caller = MSISDN("+27821234567")!

    /// Two instances on one database, the same menus, clock and reference draws.
    func withTwoInstances(_ body: (UssdGateway, UssdGateway, PostgresAppDatabase) async throws -> Void) async throws {
        let definitions = try shippedDefinitions()
        let clock = TestClock(), references = TestReferences(seed: 9)
        try await FreshPostgres.with { a in
            let b = PostgresAppDatabase(try #require(PostgresAppDatabase.Address(try await FreshPostgres.url(of: a))))
            let running = Task { await b.run() }
            defer { running.cancel() }
            func gateway(_ database: PostgresAppDatabase) -> UssdGateway {
                UssdGateway(engine: definitions.engine(), store: PostgresConversationStore(database), clock: clock, references: { references.next() })
            }
            try await body(gateway(a), gateway(b), a)
        }
    }

    func hop(_ g: UssdGateway, _ history: [String], session: String = "s1") async -> UssdReply {
        await g.handle(UssdEvent(provider: "africastalking", sessionID: session, msisdn: caller, serviceCode: "*120*1234#", network: "65501",
                                 input: .history(history.joined(separator: "*"))))
    }

    @Test func aHopOnAnInstanceThatRemembersAnOlderVersionGetsTheStoredSessionsNextScreen() async throws {
        try await withTwoInstances { a, b, database in
            #expect(await hop(a, []).text.contains("English"))
            #expect(await hop(a, ["1"]).text.contains("Report a fault"))       // A remembers version 2
            #expect(await hop(b, ["1", "1"]).text.contains("Which service?"))  // B moves it to 3
            // A plans on version 2 ("Report a fault" answered again would be the service menu):
            // its write is refused, it reads version 3 and steps from there.
            let problem = await hop(a, ["1", "1", "1"])
            #expect(problem.text.contains("What is the problem?"), "\(problem.text)")
            // The aggregator retries that hop on B, which remembers version 3: the same screen.
            #expect(await hop(b, ["1", "1", "1"]) == problem)
            // And on A again, which wrote it: the same screen, nothing moved.
            #expect(await hop(a, ["1", "1", "1"]) == problem)
            let version = try await database.client.query("SELECT version FROM ussd_sessions WHERE key = 'africastalking:s1'")
                .decode(Int64.self).first { _ in true }
            #expect(version == 4, "language, menu, service, problem: four writes, none twice")
        }
    }

    @Test func aRetryIsAnsweredFromTheStoredSessionNotFromMemory() async throws {
        try await withTwoInstances { a, _, database in
            #expect(await hop(a, []).text.contains("English"))
            let menu = await hop(a, ["1"])
            #expect(menu.text.contains("Report a fault"))
            #expect(await hop(a, ["1"]) == menu, "a retry on the instance that wrote it")
            // The session is swept from the database while A still remembers it.
            try await database.client.query("DELETE FROM ussd_sessions")
            let retry = await hop(a, ["1"])
            #expect(retry.isFinal && !retry.text.contains("Report a fault"), "the stored session is gone: \(retry.text)")
        }
    }

    @Test func aReportFiledAcrossBothInstancesIsStoredOnce() async throws {
        try await withTwoInstances { a, b, database in
            let inputs = ["1", "1", "1", "1", "1", "12 Vilakazi St", "1"]
            var history: [String] = []
            _ = await hop(a, history)
            var last = UssdReply(text: "", isFinal: false)
            for (i, input) in inputs.enumerated() {
                history.append(input)
                last = await hop(i % 2 == 0 ? b : a, history)
            }
            #expect(last.isFinal && last.text.contains("reference"), "\(last.text)")
            // The confirmation retried on both instances: the same reply, one ticket.
            #expect(await hop(a, history) == last)
            #expect(await hop(b, history) == last)
            let tickets = try await database.client.query("SELECT COUNT(*)::BIGINT FROM tickets").decode(Int64.self).first { _ in true }
            #expect(tickets == 1)
        }
    }
}
