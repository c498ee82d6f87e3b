import Foundation
import GRDB

/// A consistent copy of a live database, taken with SQLite's online backup API from one read
/// transaction: `serve` keeps writing while it runs, and the copy is the database as it was at one
/// instant (WAL readers do not block writers).
public enum Backup {
    public struct Summary: Sendable, Equatable {
        public var tickets: Int
        public var outbox: Int
        public var auditEntries: Int
        public var bytes: Int64
    }

    public enum Problem: Error, CustomStringConvertible {
        case noDatabase(String)
        case targetExists(String)
        case damaged(String)
        public var description: String {
            switch self {
            case .noDatabase(let p): "there is no database at \(p)"
            case .targetExists(let p): "\(p) exists already: choose a new file (a backup never overwrites)"
            case .damaged(let why): "the copy failed its integrity check: \(why)"
            }
        }
    }

    /// Copies the database at `source` to a new file `target`, checks the copy and counts it.
    public static func copy(from source: String, to target: String) throws -> Summary {
        guard FileManager.default.fileExists(atPath: source) else { throw Problem.noDatabase(source) }
        guard !FileManager.default.fileExists(atPath: target) else { throw Problem.targetExists(target) }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        let live = try DatabasePool(path: source, configuration: config)
        let folder = URL(fileURLWithPath: target).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try AppDatabase.ownerOnly(target)
        let copy = try DatabaseQueue(path: target)
        try live.backup(to: copy)
        try live.close()
        // A self-contained file: no WAL beside it.
        try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
        let summary = try copy.read { db -> Summary in
            let check = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            guard check == ["ok"] else { throw Problem.damaged(check.prefix(3).joined(separator: "; ")) }
            func count(_ table: String) throws -> Int { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
            return Summary(tickets: try count("tickets"), outbox: try count("outbox"), auditEntries: try count("audit_log"), bytes: 0)
        }
        try copy.close()
        let size = (try? FileManager.default.attributesOfItem(atPath: target)[.size] as? NSNumber)?.int64Value ?? 0
        return Summary(tickets: summary.tickets, outbox: summary.outbox, auditEntries: summary.auditEntries, bytes: size)
    }
}
