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
}
