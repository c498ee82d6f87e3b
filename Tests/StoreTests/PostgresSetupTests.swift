import Foundation
import Logging
import PostgresNIO
import PostgresStore
import TestSupport
import Testing

@Suite struct PostgresSetupTests {
    @Test func aDatabaseURLIsReadWithItsPartsAndShownWithoutThePassword() throws {
        let a = try #require(PostgresAppDatabase.Address("postgres://civic:p%40ss@db.internal:6543/civicgate"))
        #expect(a.host == "db.internal" && a.port == 6543 && a.username == "civic" && a.password == "p@ss" && a.database == "civicgate")
        #expect(a.redacted == "postgres://civic@db.internal:6543/civicgate")
        #expect(PostgresAppDatabase.Address("postgresql://civic@localhost/cg")?.port == 5432)
        for other in ["./civicgate.sqlite", "postgres://", "postgres://host/db", "postgres://u@host/", "mysql://u@h/db"] {
            #expect(PostgresAppDatabase.Address(other) == nil, "\(other)")
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"] != nil))
    func twoInstancesStartingTogetherMigrateOnce() async throws {
        try await FreshPostgres.with(migrated: false) { first in
            // A second instance on the same new database: both migrate at once, under the advisory lock.
            let url = try #require(ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"])
            var address = try #require(PostgresAppDatabase.Address(url))
            address.database = try await first.client.query("SELECT current_database()").decode(String.self).first { _ in true } ?? ""
            let second = PostgresAppDatabase(address)
            let running = Task { await second.run() }
            defer { running.cancel() }
            async let a: Void = first.migrate()
            async let b: Void = second.migrate()
            _ = try await (a, b)
            let applied = try await first.client.query("SELECT COUNT(*)::BIGINT FROM schema_migrations").decode(Int64.self).first { _ in true }
            #expect(applied == Int64(PostgresAppDatabase.migrations.count), "each migration applied once")
            let tables = try await first.client.query("SELECT COUNT(*)::BIGINT FROM pg_tables WHERE schemaname = 'public'").decode(Int64.self).first { _ in true }
            #expect((tables ?? 0) >= 14)
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"] != nil))
    func anotherInstanceTakesTheSweepOverWhenTheSweepingOneDies() async throws {
        try await FreshPostgres.with { database in
            let store = PostgresConversationStore(database)
            let old = Date(timeIntervalSince1970: 1_700_000_000)
            try await database.client.query("""
                INSERT INTO ussd_sessions (key, msisdn, service_code, state, resumable, version, created_at, updated_at)
                VALUES ('at:stale', '+27821234567', '*120*5#', '{}', false, 1, \(old), \(old))
                """)
            let later = old.addingTimeInterval(7200)
            // Another instance holds the sweep lock (it is sweeping, or hung while sweeping).
            let other = PostgresAppDatabase(try #require(PostgresAppDatabase.Address(try await FreshPostgres.url(of: database))))
            let running = Task { await other.run() }
            defer { running.cancel() }
            try await other.client.withConnection { sweeping in
                let log = Logger(label: "test")
                try await sweeping.query("SELECT pg_advisory_lock(\(PostgresConversationStore.sweepLock))::text", logger: log)
                let pid = try await sweeping.query("SELECT pg_backend_pid()", logger: log).decode(Int32.self).first { _ in true }
                #expect(try await store.sweepSessions(updatedBefore: later) == 0, "this instance skips the round")
                // That instance dies: its connection goes, and the lock with it.
                try await database.client.query("SELECT pg_terminate_backend(\(try #require(pid)))::text")
                var swept = 0
                for _ in 0..<50 where swept == 0 {
                    swept = try await store.sweepSessions(updatedBefore: later)
                    if swept == 0 { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(swept == 1, "the survivor sweeps the next round")
            }
        }
    }
}
