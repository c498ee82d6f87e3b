import Foundation
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
}
