@testable import Store
import Foundation
import GRDB
import Testing

/// The write-ahead log reaches the database file without a commit copying it: the pool's
/// connections no longer checkpoint, and the checkpointer's thread does.
@Suite struct WALCheckpointerTests {
    @Test func whatIsCommittedReachesTheFileWithoutACommitCopyingIt() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("c.sqlite").path
        let database = try AppDatabase.open(path: path)
        let autocheckpoint = try await database.writer.write { db in
            try db.execute(sql: "CREATE TABLE filler (b BLOB)")
            for _ in 0..<64 { try db.execute(sql: "INSERT INTO filler VALUES (zeroblob(32768))") }  // 2 MiB, 512 pages
            return try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint")
        }
        #expect(autocheckpoint == 0)
        func fileSize() -> Int { ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.intValue ?? 0 }
        // Polled, not timed: the checkpointer runs four times a second; 30 s is only a bound.
        for _ in 0..<300 where fileSize() < 2 * 1_048_576 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(fileSize() >= 2 * 1_048_576, "the 2 MiB committed are in the file, not only in the log")
        #expect(try await database.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM filler") } == 64)
    }
}
