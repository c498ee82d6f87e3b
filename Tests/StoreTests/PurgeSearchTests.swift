@testable import Store
import Dispatch
import Domain
import Foundation
import Gateway
import GRDB
import Synchronization
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

    /// Residents and added reporters are looked for only when no ticket is due: searched at every
    /// batch, a purge of 63,765 tickets beside 30,000 added reporters on open tickets took 90.9 s
    /// (12.0 s without; both tables were walked twenty tickets at a time).
    @Test func aBatchWithTicketsDueDoesNotSearchTheResidentsAndAddedReporters() throws {
        let database = try AppDatabase.inMemory()
        let old = Date(timeIntervalSince1970: 1_700_000_000), cutoff = Date(timeIntervalSince1970: 1_750_000_000)
        try database.writer.write { db in
            for (i, status) in ["resolved", "acknowledged"].enumerated() {
                try db.execute(sql: """
                    INSERT INTO tickets (reference, service, fault, area, address, description, moe, queue, status, channel, reporter, language,
                                         created_at, updated_at, due_at, acknowledge_due_at)
                    VALUES (?, 'water', 'general', 'soweto', '12 Main Rd', '', 'water', 'water-general', ?, 'ussd', ?, 'en', ?, ?, ?, ?)
                    """, arguments: ["10000000\(i)", status, "+2782100000\(i)", old, old, old, old])
            }
            // Added to the open ticket: not due while it is open.
            try db.execute(sql: "INSERT INTO ticket_reporters (ticket_id, msisdn, language, channel, created_at) VALUES (2, '+27821000009', 'en', 'ussd', ?)",
                           arguments: [old])
        }
        func search(after: Int64) throws -> (found: SQLiteRetentionStore.Found?, asked: [String]) {
            try database.writer.read { db in
                let asked = Mutex<[String]>([])
                db.trace { event in if case .statement(let s) = event { asked.withLock { $0.append(s.sql) } } }
                defer { db.trace(options: [], nil) }
                let found = try SQLiteRetentionStore.search(db, .reporterNumbers, before: cutoff, limit: 20, after: after)
                return (found, asked.withLock { $0 })
            }
        }
        let first = try search(after: 0)
        #expect(first.found?.ids == [1])
        #expect(!first.asked.contains { $0.contains("ticket_reporters") || $0.contains("incident_residents") }, "\(first.asked)")
        let last = try search(after: 1)
        #expect(last.found?.ids == [] && last.found?.nothingDue == true)
        #expect(last.asked.contains { $0.contains("ticket_reporters") }, "with no ticket due, the others are looked for")
    }
}
