import Foundation
import Gateway
import PostgresStore
import TestSupport
import Testing
import Web

/// Per-address allowances: the same contract in memory (one instance) and in PostgreSQL, where
/// two instances share one allowance per client.
@Suite struct RequestBucketsTests {
    let rule = BucketRule(burst: 3, perMinute: 60)
    let start = Date(timeIntervalSince1970: 1_795_000_000)

    func contract(_ one: any RequestBuckets, _ other: any RequestBuckets) async throws {
        #expect(try await one.take(rule, key: "bulk|192.0.2.1", now: start) == nil)
        #expect(try await other.take(rule, key: "bulk|192.0.2.1", now: start) == nil)
        #expect(try await one.take(rule, key: "bulk|192.0.2.1", now: start) == nil)
        #expect(try await other.take(rule, key: "bulk|192.0.2.1", now: start) == 1, "the burst is spent, wherever it was spent")
        #expect(try await one.take(rule, key: "bulk|192.0.2.2", now: start) == nil, "another client has its own")
        #expect(try await one.take(rule, key: "bulk|192.0.2.1", now: start.addingTimeInterval(1)) == nil, "one token a second comes back")
        #expect(try await other.take(rule, key: "bulk|192.0.2.1", now: start.addingTimeInterval(1)) == 1)
    }

    @Test func inMemory() async throws {
        let buckets = MemoryBuckets()
        try await contract(buckets, buckets)
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"] != nil))
    func sharedByTwoInstancesInPostgreSQL() async throws {
        try await FreshPostgres.with { database in
            try await contract(PostgresRequestBuckets(database), PostgresRequestBuckets(database))
        }
    }
}
