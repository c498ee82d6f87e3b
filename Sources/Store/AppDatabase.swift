import Foundation
import GRDB
import Persistence

/// Owns the SQLite database: a `DatabasePool` in WAL mode on disk, an in-memory queue in tests.
///
/// Durability: the writer runs with `synchronous = NORMAL`, which in WAL mode survives a killed
/// process (every commit is in the WAL file before the commit returns) but not a power cut.
/// Transactions that create a ticket commit under `synchronous = FULL`, which fsyncs the WAL
/// before the commit returns, and so before the reply leaves: a reference shown to a resident
/// survives power loss too, and ordinary hops do not pay an fsync each.
public struct AppDatabase: Sendable {
    public let writer: any DatabaseWriter
    /// Sessions in progress, held in memory and saved behind (see `LiveSessions`).
    public let live: LiveSessions
    /// The hops that store something, committed in rounds (see `HopCommitter`).
    let hops: HopCommitter
    /// Copies the write-ahead log into the file off the writer's path (a file database only).
    let checkpointer: WALCheckpointer?
    /// Open incidents by service, for the report's area step.
    let openIncidents = OpenIncidentCache()
    /// Numbers and session keys the database may hold, for the first hop of a new caller.
    let callers: KnownCallers

    /// How long the callers held in memory are trusted after a check (`KnownCallers`); tests lengthen it.
    public static let callerTrust: Duration = .milliseconds(25)

    public init(_ writer: any DatabaseWriter, callersTrustedFor: Duration = AppDatabase.callerTrust) throws {
        try self.init(writer, callersTrustedFor: callersTrustedFor, checkpointer: nil)
    }

    init(_ writer: any DatabaseWriter, callersTrustedFor: Duration, checkpointer: WALCheckpointer?) throws {
        self.writer = writer
        self.checkpointer = checkpointer
        self.live = LiveSessions(writer: writer)
        self.callers = KnownCallers(writer: writer, trustFor: callersTrustedFor)
        self.hops = HopCommitter(writer: writer, live: live, callers: callers)
        try Self.migrator.migrate(writer)
        try callers.watch()
    }

    /// Opens (creating if needed) the database file at `path`.
    public static func open(path: String, callersTrustedFor: Duration = AppDatabase.callerTrust) throws -> AppDatabase {
        var config = Configuration()
        config.busyMode = LockWait.mode(giveUpAfter: 5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // The log is copied into the file by `WALCheckpointer`, not inside a commit.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            // Savepoints and statement journals in memory: by default SQLite spills a journal over
            // 64 KiB to a file in /var/tmp, and a round's savepoint per hop (a ticket touches some
            // twenty pages) wrote each page there again, 40 system calls per ticket.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try ownerOnly(path)
        let pool = try DatabasePool(path: path, configuration: config)
        return try AppDatabase(pool, callersTrustedFor: callersTrustedFor, checkpointer: try WALCheckpointer(path: path))
    }

    /// The file readable and writable by its owner only (POPIA safeguards): made so when new, set
    /// so when found wider. SQLite gives its -wal and -shm files the same permissions.
    public static func ownerOnly(_ path: String) throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            guard fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
        } else if let mode = (try fm.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
    }

    /// A private in-memory database, for tests.
    public static func inMemory(callersTrustedFor: Duration = AppDatabase.callerTrust) throws -> AppDatabase {
        try AppDatabase(DatabaseQueue(), callersTrustedFor: callersTrustedFor)
    }

    /// One write transaction that commits durably against power loss (see `durably`): for writes
    /// whose result is shown to someone as stored, a reference above all.
    func writeDurably<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await writer.writeWithoutTransaction { db in
            try Self.durably(db) {
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        }
    }

    /// Runs `body`, whose transaction then commits durably against power loss: the WAL, and
    /// everything committed before, is fsynced before the commit returns (see the type's comment).
    static func durably<T>(_ db: Database, when durable: Bool = true, _ body: () throws -> T) throws -> T {
        guard durable else { return try body() }
        // SQLite applies this pragma when it compiles it, and compiles it again on every run (3.40:
        // the statement expires itself), so the cache saves only GRDB's lookup; both runs cost
        // about 2 µs per hop under load (docs/performance.md, seventh look).
        try db.cachedStatement(sql: "PRAGMA synchronous = FULL").execute()
        defer { try? db.cachedStatement(sql: "PRAGMA synchronous = NORMAL").execute() }
        return try body()
    }
}

extension AppDatabase {
    /// A random secret kept in the database (created on first use), shared by every process on it:
    /// the key that signs delivery-report URLs, for instance.
    public func secret(named name: String, bytes: Int = 32) throws -> [UInt8] {
        try writer.write { db in
            if let hex = try String.fetchOne(db, sql: "SELECT value FROM secrets WHERE name = ?", arguments: [name]), let bytes = Self.bytes(hex: hex) {
                return bytes
            }
            var generator = SystemRandomNumberGenerator()
            let fresh = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try db.execute(sql: "INSERT OR REPLACE INTO secrets (name, value) VALUES (?, ?)",
                           arguments: [name, fresh.map { String(format: "%02x", $0) }.joined()])
            return fresh
        }
    }

    static func bytes(hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0, !chars.isEmpty else { return nil }
        return stride(from: 0, to: chars.count, by: 2).map { i in
            UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16)
        }.reduce(into: [UInt8]?([])) { out, b in
            if let b, out != nil { out!.append(b) } else { out = nil }
        }
    }
}
