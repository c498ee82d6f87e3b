import Foundation
import Logging
import Persistence
import PostgresNIO

/// One PostgreSQL database shared by several gateways: a pooled `PostgresClient` and the schema.
/// The client works only while `run()` runs (a service in `serve`, a task in tests).
public final class PostgresAppDatabase: Sendable {
    public let client: PostgresClient
    /// The USSD hop's own pool, for its reads and writes and their prepared statements
    /// (`HopStatements`, `SessionWrites`, `PreparedShapes`):
    /// each is planned once per connection and the plan kept (`plan_cache_mode` =
    /// `force_generic_plan`). They look rows up by key, where a plan made for each hop's values is
    /// the same plan made again, and PostgreSQL otherwise kept planning them at every hop (150-250
    /// µs of its CPU each time, more than running them). A plan kept is made on the statistics of
    /// its time, which for `ussd_sessions` start at an empty table: with sequential scans allowed,
    /// the batch's plan read every page of the table (290 pages a write, where the key's index
    /// reads about 10 a session), so this pool does not allow them. The other pool keeps
    /// PostgreSQL's defaults, for the console's and reports' statements, whose plans do depend on
    /// their values.
    public let hops: PostgresClient
    let logger: Logger
    /// The sessions this instance's hops last read or wrote.
    let sessions = RememberedSessions()
    /// Where confirmations lately needed a transaction (`ConfirmationRoutes`).
    let confirmationRoutes = ConfirmationRoutes()
    /// The open incidents each report asks about at its area step, read at most once a second.
    let openIncidents = OpenIncidentCache(maxAge: .seconds(1))
    /// The hops that only move a caller on, written together.
    let sessionWrites: SessionWrites

    /// What `CIVICGATE_DATABASE=postgres://user:password@host:port/db` (or `postgresql://`) names.
    public struct Address: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String

        /// nil unless `text` is a `postgres://` or `postgresql://` URL.
        public init?(_ text: String) {
            guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"), let url = URLComponents(string: text),
                  let host = url.host, !host.isEmpty, let user = url.user, !user.isEmpty else { return nil }
            let name = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
            guard !name.isEmpty, !name.contains("/") else { return nil }
            self.host = host
            port = url.port ?? 5432
            username = user.removingPercentEncoding ?? user
            password = url.password.map { $0.removingPercentEncoding ?? $0 }
            database = name
        }

        /// The URL with the password hidden, for logs and banners.
        public var redacted: String { "postgres://\(username)@\(host):\(port)/\(database)" }
    }

    public init(_ address: Address, logger: Logger = Logger(label: "civicgate.postgres")) {
        var configuration = PostgresClient.Configuration(host: address.host, port: address.port, username: address.username,
                                                         password: address.password, database: address.database, tls: .disable)
        configuration.options.maximumConnections = 16
        client = PostgresClient(configuration: configuration)
        configuration.options.additionalStartupParameters = [("plan_cache_mode", "force_generic_plan"), ("enable_seqscan", "off")]
        hops = PostgresClient(configuration: configuration)
        self.logger = logger
        sessionWrites = SessionWrites(client: hops, logger: logger)
    }

    /// Keeps the pools alive until cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.client.run() }
            group.addTask { await self.hops.run() }
        }
    }

    /// `migrate()`, or an error if the server has not answered within `limit` (the pool would
    /// otherwise keep trying to connect for ever).
    public func migrate(within limit: Duration) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.migrate() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw Unreachable(after: limit)
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    public struct Unreachable: Error, CustomStringConvertible {
        var after: Duration
        public var description: String { "no answer within \(after)" }
    }

    /// Brings the schema up to date. Several instances may start together: the migrations run
    /// under a session advisory lock, one instance at a time, each applied once.
    public func migrate() async throws {
        try await client.withConnection { connection in
            try await connection.perform("SELECT pg_advisory_lock(\(Self.migrationLock))::text", logger: logger)
            do {
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                    """, logger: logger)
                var applied = Set<String>()
                for try await name in try await connection.query("SELECT name FROM schema_migrations", logger: logger).decode(String.self) {
                    applied.insert(name)
                }
                for (name, statements) in Self.all where !applied.contains(name) {
                    try await connection.withTransaction(logger: logger) { tx in
                        for statement in statements {
                            try await tx.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await tx.query("INSERT INTO schema_migrations (name) VALUES (\(name))", logger: logger)
                    }
                    logger.info("database migrated", metadata: ["migration": "\(name)"])
                }
            } catch {
                try? await connection.perform("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
                throw error
            }
            try await connection.perform("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
        }
    }

    /// A random secret kept in the database (created by whichever instance asks first), shared by
    /// every instance: the key that signs delivery-report URLs, for instance.
    public func secret(named name: String, bytes: Int = 32) async throws -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let fresh = (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        try await client.query("INSERT INTO secrets (name, value) VALUES (\(name), \(fresh)) ON CONFLICT (name) DO NOTHING", logger: logger)
        for try await hex in try await client.query("SELECT value FROM secrets WHERE name = \(name)", logger: logger).decode(String.self) {
            let chars = Array(hex.utf8)
            return stride(from: 0, to: chars.count - 1, by: 2).compactMap { UInt8(String(decoding: chars[$0..<$0 + 2], as: UTF8.self), radix: 16) }
        }
        throw PostgresStoreError.noRowReturned
    }

    /// Every migration this version knows, oldest first.
    public static var migrations: [String] { all.map(\.name) }

    /// The schema's list for PostgreSQL (`Persistence.Schema`).
    static let all = Schema.migrations(for: .postgres).map { (name: $0.id, statements: $0.statements) }

    /// The advisory lock key migrations take ("cgmigrat").
    static let migrationLock: Int64 = 0x6367_6d69_6772_6174
}

extension PostgresAppDatabase {
    /// What `civicgate doctor` reads of the server without changing it: the migrations not yet
    /// applied, and whether this user may write the tickets (a standby or a read-only role may not).
    public func doctorFacts(within limit: Duration) async throws -> (pending: [String], writable: Bool) {
        try await withThrowingTaskGroup(of: (pending: [String], writable: Bool).self) { group in
            let (client, logger) = (self.client, self.logger)
            group.addTask {
                try await client.withConnection { c in
                    var applied = Set<String>()
                    var hasTable = false
                    for try await exists in try await c.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger).decode(Bool.self) {
                        hasTable = exists
                    }
                    if hasTable {
                        for try await name in try await c.query("SELECT name FROM schema_migrations", logger: logger).decode(String.self) { applied.insert(name) }
                    }
                    var writable = false
                    for try await w in try await c.query("""
                        SELECT NOT pg_is_in_recovery() AND (to_regclass('tickets') IS NULL OR has_table_privilege('tickets', 'INSERT'))
                        """, logger: logger).decode(Bool.self) { writable = w }
                    return (Self.all.map(\.name).filter { !applied.contains($0) }, writable)
                }
            }
            group.addTask {
                try await Task.sleep(for: limit)
                throw Unreachable(after: limit)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
