import Foundation
import PostgresNIO
import PostgresStore

/// A new, migrated database on the test server for one test, dropped afterwards.
public enum FreshPostgres {
    public static func with(migrated: Bool = true, _ body: (PostgresAppDatabase) async throws -> Void) async throws {
        guard let url = ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"], let admin = PostgresAppDatabase.Address(url) else {
            throw NotConfigured()
        }
        let name = "cg_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))"
        try await withAdmin(admin) { try await $0.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)")) }
        var address = admin
        address.database = name
        let database = PostgresAppDatabase(address)
        let running = Task { await database.run() }
        do {
            if migrated { try await database.migrate() }
            try await body(database)
        } catch {
            running.cancel()
            await running.value
            try? await withAdmin(admin) { try await $0.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")) }
            throw error
        }
        running.cancel()
        await running.value
        try await withAdmin(admin) { try await $0.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")) }
    }

    public static func withAdmin(_ address: PostgresAppDatabase.Address, _ body: (PostgresClient) async throws -> Void) async throws {
        let admin = PostgresAppDatabase(address)
        let running = Task { await admin.run() }
        defer { running.cancel() }
        try await body(admin.client)
    }

    /// CIVICGATE_TEST_POSTGRES_URL is not set to a postgres:// URL.
    public struct NotConfigured: Error {}

    /// The URL of a database made for this test (password-less test server), and its database object.
    public static func url(of database: PostgresAppDatabase) async throws -> String {
        guard let url = ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"], var address = PostgresAppDatabase.Address(url) else {
            throw NotConfigured()
        }
        for try await name in try await database.client.query("SELECT current_database()").decode(String.self) { address.database = name }
        return "postgres://\(address.username)@\(address.host):\(address.port)/\(address.database)"
    }
}
