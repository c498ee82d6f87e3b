import Domain
import FlowEngine
import Foundation
import Gateway
import Persistence
@testable import PostgresStore
import PostgresNIO
import TestSupport
import Testing

/// PostgreSQL writes a USSD confirmation in one statement, with no transaction around it
/// (`TicketStatements.confirmation`). Everything the transaction guaranteed still holds, each
/// outcome said by the statement: nothing is written when the session moved, the number is at its
/// cap or the reference is taken; a MOE with webhooks or a service with an open incident gets its
/// writes in a transaction. (Two confirmations at once on the last report of
/// the day, and retried ones, are `ConversationConformanceTests`, run on both stores.)
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"] != nil))
struct OneStatementConfirmationTests {
    let caller = MSISDN("+27821234567")!
    let at = Date(timeIntervalSince1970: 1_800_000_000)

    func session(_ key: String, version: Int) -> StoredSession {
        StoredSession(key: key, msisdn: caller, serviceCode: "*120*1234#", session: Session(language: "en"), lastText: "1*1",
                      lastReply: UssdReply(text: "Your reference", isFinal: true), resumable: false, version: version, createdAt: at, updatedAt: at)
    }

    static let (first, second): (Reference, Reference) = {
        var g = SystemRandomNumberGenerator()
        return (Reference.random(using: &g), Reference.random(using: &g))
    }()

    func confirmation(_ key: String, version: Int = 2, reference: Reference = first, limit: Int = 5) throws -> HopWrite {
        let draft = TicketDraft(reference: reference, service: "water", fault: "leak", area: "soweto",
                                address: "12 Vilakazi St", channel: .ussd, reporter: caller, language: "en")
        var hop = HopWrite(session: session(key, version: version), at: at,
                           ticket: NewTicket(draft: draft, destination: Destination(moe: "water", queue: "faults"), createdAt: at,
                                             confirmation: "Ref \(reference.digits)"))
        hop.reportLimit = ReportLimit(msisdn: caller, limit: limit, since: at.addingTimeInterval(-3600))
        return hop
    }

    func prepared(_ hop: HopWrite) -> Prepared<OneStatementConfirmationShape>? {
        Prepared(TicketStatements.confirmation(hop.ticket!, cap: hop.reportLimit!, moveIf: { HopStatements.move(hop.session!, if: $0) },
                                               lockKey: PostgresConversationStore.reportsLock))
    }

    /// The statement's one row for `hop`, run as it is (`id`, `plain`); an error fails the test.
    func answer(_ database: PostgresAppDatabase, _ hop: HopWrite) async throws -> (id: Int64?, plain: Bool?) {
        var answer: (Int64?, Bool?)?
        for try await row in try await database.hops.execute(try #require(prepared(hop))) {
            answer = (try row.integer("id"), try row.bool("plain"))
        }
        return try #require(answer)
    }

    /// A stored session at version 1 for `key`.
    func started(_ store: PostgresConversationStore, _ key: String) async throws {
        #expect(try await store.write(HopWrite(session: session(key, version: 1), at: at)) == .committed)
    }

    func count(_ database: PostgresAppDatabase, _ sql: String) async throws -> Int64 {
        var n: Int64 = -1
        for try await c in try await database.client.query(PostgresQuery(unsafeSQL: sql)).decode(Int64.self) { n = c }
        return n
    }

    func version(_ database: PostgresAppDatabase, _ key: String) async throws -> Int64 {
        try await count(database, "SELECT version FROM ussd_sessions WHERE key = '\(key)'")
    }

    @Test func aConfirmationIsWrittenWholeAndEachRefusalWritesNothing() async throws {
        try await FreshPostgres.with { database in
            let store = PostgresConversationStore(database)
            try await started(store, "a")
            let hop = try confirmation("a")
            #expect(prepared(hop) != nil, "a hop's confirmation runs as the prepared statement")
            #expect(try await store.write(hop) == .committed)
            #expect(try await version(database, "a") == 2)
            #expect(try await count(database, "SELECT COUNT(*)::BIGINT FROM tickets WHERE reference = '\(Self.first.digits)' AND reporter = '+27821234567'") == 1)
            #expect(try await count(database, "SELECT COUNT(*)::BIGINT FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE e.kind = 'created'") == 1)
            #expect(try await count(database, "SELECT COUNT(*)::BIGINT FROM outbox WHERE body = 'Ref \(Self.first.digits)'") == 1)

            // The same hop again: the session is at 2 already. Said by the statement's row, not by
            // an error (a retry is no fault, and would put an ERROR line in PostgreSQL's log).
            #expect(try await store.write(hop) == .sessionChanged)
            let retried = try await answer(database, hop)
            #expect(retried.id == nil && retried.plain == true)
            #expect(try await count(database, "SELECT COUNT(*)::BIGINT FROM tickets") == 1)
            #expect(try await version(database, "a") == 2)

            // Another session drawing the same reference: drawn again, its session not moved.
            try await started(store, "b")
            #expect(try await store.write(try confirmation("b")) == .referenceTaken)
            #expect(try await version(database, "b") == 1)
            #expect(try await count(database, "SELECT COUNT(*)::BIGINT FROM outbox") == 1)

            // At the cap (one report made today, a limit of one): nothing, the session not moved.
            #expect(try await store.write(try confirmation("b", reference: Self.second, limit: 1)) == .reportLimitReached)
            #expect(try await version(database, "b") == 1)
            #expect(try await count(database, "SELECT COUNT(*)::BIGINT FROM tickets") == 1)
            // Under it: filed.
            #expect(try await store.write(try confirmation("b", reference: Self.second, limit: 2)) == .committed)
            #expect(try await version(database, "b") == 2)
            #expect(try await count(database, "SELECT COUNT(*)::BIGINT FROM tickets") == 2)
        }
    }

    @Test func aMOEWithWebhooksGetsItsMessageAndLaterConfirmationsThereGoStraightToATransaction() async throws {
        try await FreshPostgres.with { database in
            let store = PostgresConversationStore(database)
            _ = try await count(database, """
                INSERT INTO webhook_subscriptions (moe, url, events, secret, created_at) VALUES ('water', 'http://127.0.0.1:9/hook', 'ticket.created', 'x', now())
                RETURNING id
                """)
            try await started(store, "a")
            // The statement moves nothing and says the confirmation needs more than it writes.
            let notPlain = try await answer(database, try confirmation("a"))
            #expect(notPlain.id == nil && notPlain.plain == false)
            #expect(try await version(database, "a") == 1)
            #expect(try await count(database, "SELECT COUNT(*)::BIGINT FROM tickets") == 0)
            #expect(database.confirmationRoutes.inOneStatement(moe: "water", service: "water", now: at))
            #expect(try await store.write(try confirmation("a")) == .committed)
            #expect(try await count(database, "SELECT COUNT(*)::BIGINT FROM webhook_messages WHERE type = 'ticket.created'") == 1)
            #expect(try await count(database, "SELECT COUNT(*)::BIGINT FROM tickets") == 1)
            #expect(try await version(database, "a") == 2)
            #expect(!database.confirmationRoutes.inOneStatement(moe: "water", service: "water", now: at.addingTimeInterval(59)))
            #expect(database.confirmationRoutes.inOneStatement(moe: "power", service: "electricity", now: at))
            #expect(database.confirmationRoutes.inOneStatement(moe: "water", service: "water", now: at.addingTimeInterval(61)), "forgotten in a minute")
        }
    }

    @Test func theFunctionCountsAsTheSharedStatementDoes() async throws {
        try await FreshPostgres.with { database in
            var source = ""
            for try await s in try await database.client.query("SELECT prosrc FROM pg_proc WHERE proname = 'cg_reports_made'").decode(String.self) { source = s }
            let made = ReportStatements.made(number: "\(raw: "caller")", since: "\(raw: "day_start")").text(for: .postgres)
            func squeezed(_ s: String) -> String { s.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            #expect(!made.isEmpty && squeezed(source).contains(squeezed(made)),
                    "cg_reports_made counts as ReportStatements.made: a change to one needs a migration for the other")
        }
    }
}
