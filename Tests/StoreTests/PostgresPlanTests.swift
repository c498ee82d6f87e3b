import Domain
import Foundation
import Persistence
import PostgresNIO
@testable import PostgresStore
import TestSupport
import Testing

/// PostgreSQL chooses its own plans: with the area in the number index it sorted the rows or walked
/// `tickets_created` (1.1 ms a search in the profile, 13.8 µs along the index as it is).
@Suite struct PostgresPlanTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"] != nil))
    func aReportByStreetNumberReadsTheOpenTicketsAtThatNumberNewestFirst() async throws {
        try await FreshPostgres.with { database in
            // 4,000 open water tickets of one area over two days, at 400 street numbers.
            try await database.client.query("""
                INSERT INTO tickets (reference, service, fault, area, address, moe, queue, status, channel, language, created_at, updated_at, street_number)
                SELECT lpad(i::text, 9, '0'), 'water', 'burst_pipe', 'soweto', (i % 400) || ' Ward St', 'water', 'water-north', 'new', 'ussd', 'en',
                       now() - (i || ' seconds')::interval, now(), (i % 400)::text
                FROM generate_series(1, 4000) i
                """)
            try await database.client.query("ANALYZE tickets")
            let search = DuplicateStatements.candidates(service: "water", moe: nil, area: "soweto", digits: "12", notReportedBy: MSISDN("+27821234567")!,
                                                        since: Date().addingTimeInterval(-2 * 86400), limit: 5)
            var plan: [String] = []
            for try await line in try await database.client.query(PostgresStatements.query("EXPLAIN " + search)).decode(String.self) { plan.append(line) }
            #expect(plan.contains { $0.contains("tickets_service_number_open") }, "\(plan.joined(separator: "\n"))")
            #expect(!plan.contains { $0.contains("Sort") || $0.contains("tickets_created") || $0.contains("Seq Scan on tickets") },
                    "\(plan.joined(separator: "\n"))")
        }
    }

    /// A sender's claim reads the first messages of the queue and stops, however long the queue:
    /// with the two conditions in one scan it read and sorted every due message at every claim
    /// (334 pages with 20,000 queued), and without the id in `outbox_queue` it sorted a whole
    /// chunk of alerts queued in one instant.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"] != nil))
    func aClaimReadsTheHeadOfTheQueueNotAllOfIt() async throws {
        try await FreshPostgres.with { database in
            let now = Date()
            // The claim's pages (EXPLAIN ANALYZE's count at its top) and what it takes, in order.
            func claim() async throws -> (pages: Int?, bodies: [String], plan: String) {
                let query = PostgresOutboxStore.claim(now: now, limit: 8)
                var plan: [String] = []
                let explain = PostgresQuery(unsafeSQL: "EXPLAIN (ANALYZE, BUFFERS) " + query.sql, binds: query.binds)
                for try await line in try await database.client.query(explain).decode(String.self) { plan.append(line) }
                let pages = plan.lazy.compactMap { line in
                    line.firstMatch(of: /Buffers: shared hit=(\d+)(?: read=(\d+))?/).map { Int($0.1)! + ($0.2.map { Int($0)! } ?? 0) }
                }.first
                var bodies: [String] = []
                for try await row in try await database.client.query(query).decode(PostgresOutboxStore.ClaimRow.self) {
                    bodies.append(row.2)
                }
                return (pages, bodies, plan.joined(separator: "\n"))
            }
            // 20,000 due, each at an instant of its own; the news (priority 1) behind the replies.
            try await database.client.query("""
                INSERT INTO outbox (msisdn, body, priority, next_attempt_at, created_at, updated_at)
                SELECT '+2782' || lpad(i::text, 7, '0'), 'm' || i, i % 2, \(now) - (i || ' seconds')::interval, \(now), \(now)
                FROM generate_series(1, 20000) i
                """)
            try await database.client.query("ANALYZE outbox")
            let spread = try await claim()
            #expect(spread.pages.map { $0 < 150 } == true, "\(spread.plan)")
            #expect(spread.bodies == ["m20000", "m19998", "m19996", "m19994", "m19992", "m19990", "m19988", "m19986"], "the replies first, oldest first")
            // 20,000 alerts queued in one instant, as a chunk is: in the order they were queued.
            try await database.client.query("TRUNCATE outbox")
            try await database.client.query("""
                INSERT INTO outbox (msisdn, body, priority, next_attempt_at, created_at, updated_at)
                SELECT '+2782' || lpad(i::text, 7, '0'), 'a' || i, 1, \(now) - interval '1 minute', \(now), \(now)
                FROM generate_series(1, 20000) i
                """)
            try await database.client.query("ANALYZE outbox")
            let chunk = try await claim()
            #expect(chunk.pages.map { $0 < 150 } == true, "\(chunk.plan)")
            #expect(chunk.bodies == (1...8).map { "a\($0)" })
        }
    }
}
