#if canImport(Glibc)
import Glibc
#endif
@testable import Store
import Testing
import Domain
import Foundation
import Gateway
import GRDB
import Synchronization
import TestSupport

/// The calling thread's nice value (per thread on Linux).
func threadNice() -> Int32 {
    errno = 0
    return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
}

/// The writer's thread runs raised while it commits hops, when the process may raise it, and
/// always goes back to the priority it had, whatever the body does.
@Suite struct WriterPriorityTests {
    struct Refused: Error {}

    @Test func raisesWhilePermittedAndAlwaysRestores() throws {
        let before = threadNice()
        let inside = WriterPriority.raising { threadNice() }
        let permitted = try #require(WriterPriority.isPermitted)
        #expect(inside == (permitted ? min(before, WriterPriority.raised) : before))
        #expect(threadNice() == before)
        // Whether this process may raise it is what the kernel says for this thread.
        errno = 0
        let probe = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, WriterPriority.raised) == 0
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, before)
        #expect(probe == permitted || before <= WriterPriority.raised)
    }

    @Test func aProcessStartedRaisedIsNotToldItMayNotRaise() {
        let before = threadNice()
        // Only where this thread may be set above the writer's level (root in CI); else nothing to check.
        guard setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, WriterPriority.raised - 1) == 0 else { return }
        defer { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, before) }
        #expect(WriterPriority.mayRaise())
        #expect(threadNice() == WriterPriority.raised - 1, "left where it was")
    }

    @Test func restoresWhenTheBodyThrows() {
        let before = threadNice()
        #expect(throws: Refused.self) { try WriterPriority.raising { throw Refused() } }
        #expect(threadNice() == before)
    }

    @Test func aTicketsRoundAndASaveOfSessionsRunRaised() async throws {
        // The two kinds of writer work that hops wait for, seen from inside their transactions.
        let db = try AppDatabase.inMemory()
        let seen = Mutex<[String: Int32]>([:])
        try await db.writer.writeWithoutTransaction { conn in
            conn.add(function: DatabaseFunction("noted_nice", argumentCount: 1, pure: false) { values in
                let table = String.fromDatabaseValue(values[0]) ?? "?"
                let value = threadNice()
                seen.withLock { $0[table] = value }
                return nil
            })
            try conn.execute(sql: """
                CREATE TEMP TRIGGER nice_ticket AFTER INSERT ON tickets BEGIN SELECT noted_nice('tickets'); END;
                CREATE TEMP TRIGGER nice_session AFTER UPDATE ON ussd_sessions BEGIN SELECT noted_nice('ussd_sessions'); END;
                """)
        }
        let references = TestReferences(seed: 9)
        let gateway = UssdGateway(engine: try shippedDefinitions().engine(), store: SQLiteConversationStore(db), clock: TestClock(),
                                  references: { references.next() })
        let caller = MSISDN("+27825550009")!
        func dial(_ session: String, _ history: [String]) async -> UssdReply {
            await gateway.handle(UssdEvent(provider: "africastalking", sessionID: session, msisdn: caller, serviceCode: "*120*1234#",
                                           network: "65501", input: .history(history.joined(separator: "*"))))
        }
        _ = await dial("a", [])
        try await db.live.saveNow()  // the session's row, inserted
        _ = await dial("a", ["1"])
        try await db.live.saveNow()  // and updated, by a save of the sessions held
        let saving = try #require(seen.withLock { $0["ussd_sessions"] })
        let report = ["1", "1", "1", "1", "1", "12 Main Rd", "1"]
        for n in 2...report.count { _ = await dial("a", Array(report.prefix(n))) }
        let count = try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tickets") }
        #expect(count == 1)
        let ticket = try #require(seen.withLock { $0["tickets"] })
        let permitted = try #require(WriterPriority.isPermitted)
        if permitted {
            #expect(ticket <= WriterPriority.raised && saving <= WriterPriority.raised)
        } else {
            #expect(ticket == saving, "both at the normal priority")
        }
        let afterwards = try await db.writer.writeWithoutTransaction { _ in threadNice() }
        #expect(afterwards > WriterPriority.raised || !permitted, "back to normal between rounds")
    }
}
