import Domain
import Foundation
import Gateway
import Logging
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

/// A client is limited by its block: an IPv6 host by its /64, whichever of its addresses it uses;
/// and a flood of new keys prunes the longest-unused buckets, never the ones still limiting.
@Suite struct AddressBlockTests {
    @Test(arguments: [
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:0db8:0001:0002:abcd::9", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("192.0.2.7", "192.0.2.7"),
        ("::1", "0:0:0:0::/64"),
        ("unknown", "unknown"),
        ("not:an:address", "not:an:address"),
    ])
    func aClientsBlock(_ address: String, _ block: String) {
        #expect(AddressBlock.of(address) == block)
    }

    @Test func anIPv6HostRotatingItsAddressesSharesOneAllowance() async throws {
        let world = try TestGateway()
        let limiter = RateLimiter(buckets: MemoryBuckets(), clock: world.clock, logger: .init(label: "test"))
        let rule = BucketRule(burst: 3, perMinute: 1)
        var answers: [Int?] = []
        for host in 1...5 { answers.append(await limiter.take(rule, "bulk", address: "2001:db8:77:1::\(host)")) }
        #expect(answers.prefix(3).allSatisfy { $0 == nil } && answers.suffix(2).allSatisfy { $0 != nil }, "\(answers)")
        #expect(await limiter.take(rule, "bulk", address: "2001:db8:77:2::1") == nil, "another /64 is another client")
    }

    @Test func aFloodOfNewKeysDoesNotResetALimitedClient() {
        let buckets = MemoryBuckets()
        let rule = BucketRule(burst: 2, perMinute: 1)
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        #expect(buckets.take(rule, key: "bulk|198.51.100.1", now: start) == nil)
        #expect(buckets.take(rule, key: "bulk|198.51.100.1", now: start) == nil)
        for i in 0..<(buckets.capacity + 5000) {
            let now = start.addingTimeInterval(1 + Double(i) / 2000)
            _ = buckets.take(rule, key: "bulk|flood-\(i)", now: now)
            // The limited client keeps trying, and keeps being refused, all through the flood.
            if i % 100 == 0, buckets.take(rule, key: "bulk|198.51.100.1", now: now) == nil { Issue.record("reset at \(i)"); break }
        }
    }
}
