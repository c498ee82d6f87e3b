import Foundation
import GRDB
import Synchronization

/// Copies the write-ahead log into the database file from a connection and a thread of its own,
/// four times a second. SQLite's own checkpoint runs inside the commit that takes the log past
/// 1,000 pages, on the one writer: every hop waiting for the writer then waited for the copy and
/// its fsync too, and that was most of the confirmation's p99 at 16 sessions
/// (`ussd-vs-bare.sh`: p99 5.3-5.8× bare's with it, 3.1-3.6× without). A passive checkpoint
/// blocks neither the writer nor the readers, and the log is synced before it is copied, so
/// nothing committed is less durable. The pool's connections stop checkpointing themselves
/// (`wal_autocheckpoint = 0`); when the last `AppDatabase` holding this goes, the thread ends.
final class WALCheckpointer: Sendable {
    final class Running: Sendable {
        let on = Mutex(true)
        var isOn: Bool { on.withLock { $0 } }
    }

    let running = Running()

    init(path: String, every seconds: TimeInterval = 0.25) throws {
        var config = Configuration()
        config.busyMode = .immediateError  // another process checkpointing: try at the next turn
        config.label = "civicgate.checkpoint"
        let connection = try DatabaseQueue(path: path, configuration: config)
        let running = self.running
        Thread.detachNewThread {
            while running.isOn {
                Thread.sleep(forTimeInterval: seconds)
                _ = try? connection.writeWithoutTransaction { try $0.checkpoint(.passive) }
            }
        }
    }

    deinit { running.on.withLock { $0 = false } }
}
