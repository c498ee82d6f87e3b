@testable import Store
import Foundation
import GRDB
import Testing

/// Another process's write lock on the file (`purge`, `import` beside `serve`): a write waits for
/// it in short looks, goes through as soon as it is let go, and gives up when it never is.
@Suite struct LockWaitTests {
    func file() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("lock-wait-\(UUID().uuidString).sqlite").path
    }

    func connection(_ path: String, _ mode: Database.BusyMode) throws -> DatabaseQueue {
        var config = Configuration()
        config.busyMode = mode
        config.allowsUnsafeTransactions = true  // the holder keeps its lock between accesses
        return try DatabaseQueue(path: path, configuration: config)
    }

    @Test func aWriteGoesThroughOnceTheOtherWriterLetsGo() async throws {
        let path = file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let holder = try connection(path, .immediateError)
        try await holder.write { try $0.execute(sql: "PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER)") }
        let waiter = try connection(path, LockWait.mode(giveUpAfter: 5))
        let held = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let other = Thread {
            try? holder.inDatabase { db in
                try db.execute(sql: "BEGIN IMMEDIATE; INSERT INTO t VALUES (1)")
                held.signal()
                release.wait()
                try db.execute(sql: "COMMIT")
            }
        }
        other.start()
        held.wait()
        let writing = Task { try await waiter.write { db in try db.execute(sql: "INSERT INTO t VALUES (2)"); return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") } }
        try await Task.sleep(for: .milliseconds(30))
        release.signal()
        #expect(try await writing.value == 2, "written after the other's row")
    }

    @Test func aWriteGivesUpWhenTheLockIsNeverLetGo() async throws {
        let path = file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let holder = try connection(path, .immediateError)
        try await holder.write { try $0.execute(sql: "PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER)") }
        try holder.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE") }
        let waiter = try connection(path, LockWait.mode(giveUpAfter: 0))
        await #expect(throws: DatabaseError.self) { try await waiter.write { try $0.execute(sql: "INSERT INTO t VALUES (1)") } }
        try holder.inDatabase { try $0.execute(sql: "ROLLBACK") }
        try await waiter.write { try $0.execute(sql: "INSERT INTO t VALUES (1)") }
    }
}
