@testable import Store
import Dispatch
import Domain
import Foundation
import Gateway
import GRDB
import Testing

/// A purge batch looks for its rows in a read, not while it holds SQLite's write lock: a purge
/// with nothing left to do (the nightly one after a large purge) never takes the lock at all.
@Suite struct PurgeSearchTests {
    @Test func aPurgeWithNothingDueFinishesWhileAnotherProcessHoldsTheWriteLock() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("purge-search-\(UUID().uuidString).sqlite").path
        defer { for end in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + end) } }
        let store = SQLiteRetentionStore(try AppDatabase.open(path: path))
        let pseudonyms = Pseudonyms(key: Data(repeating: 7, count: 32))

        // Another process (serve, an import) in a write transaction until the purge is done.
        let other = try DatabaseQueue(path: path)
        let (holding, done) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        Thread.detachNewThread {
            try? other.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    holding.signal()
                    done.wait()
                    return .rollback
                }
            }
        }
        holding.wait()
        defer { done.signal() }
        // Without the read first, each would wait for the lock and give up (`LockWait`, 5 s) with an error.
        for dataClass in [RetentionPolicy.DataClass.reporterNumbers, .inboundSMS, .outboxSMS] {
            let batch = try await store.purge(dataClass, before: Date(), limit: 20, after: 0, pseudonyms: pseudonyms)
            #expect(batch.count == 0 && batch.held == nil, "\(dataClass)")
        }
    }
}
