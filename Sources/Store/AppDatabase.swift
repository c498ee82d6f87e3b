import Foundation
import GRDB

/// Owns the SQLite database: a `DatabasePool` in WAL mode on disk, an in-memory queue in tests.
///
/// Durability: the writer runs with `synchronous = NORMAL`, which in WAL mode survives a killed
/// process (every commit is in the WAL file before the commit returns) but not a power cut.
/// Transactions that create a ticket are followed, before the reply leaves, by a tiny commit under
/// `synchronous = FULL`, which fsyncs the WAL and with it the ticket: a reference shown to a
/// resident survives power loss too, and ordinary hops do not pay an fsync each.
public struct AppDatabase: Sendable {
    public let writer: any DatabaseWriter

    public init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    /// Opens (creating if needed) the database file at `path`.
    public static func open(path: String) throws -> AppDatabase {
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return try AppDatabase(DatabasePool(path: path, configuration: config))
    }

    /// A private in-memory database, for tests.
    public static func inMemory() throws -> AppDatabase {
        try AppDatabase(DatabaseQueue())
    }

    /// Makes everything committed so far durable against power loss (see the type's comment).
    static func syncCommitted(_ db: Database) throws {
        try db.execute(sql: "PRAGMA synchronous = FULL")
        defer { try? db.execute(sql: "PRAGMA synchronous = NORMAL") }
        try db.inTransaction(.immediate) {
            try db.execute(sql: "UPDATE store_meta SET durable_syncs = durable_syncs + 1")
            return .commit
        }
    }
}
