import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// How a connection waits while another process holds the file's write lock (`civicgate purge` or
/// `import` beside `serve`). SQLite's own wait (`busy_timeout`) sleeps 1, 2, 5, 10, 15, 20, 25, 25,
/// 25, 50, 50 and then 100 ms at a time: a lock let go after 6 ms kept a hop waiting 18 ms, one held
/// 40 ms 78 ms, and a purge of 637,657 tickets put 121 ms on a caller's hop. This one looks again
/// every half millisecond for the first 50 ms, then every 5 ms, and gives up after `limit`.
enum LockWait {
    static let quickTries = 100
    static let quick: useconds_t = 500
    static let slow: useconds_t = 5_000

    static func mode(giveUpAfter seconds: Int) -> Database.BusyMode {
        let tries = quickTries + max(0, seconds * 1_000_000 - quickTries * Int(quick)) / Int(slow)
        return .callback { n in
            guard n < tries else { return false }
            usleep(n < quickTries ? quick : slow)
            return true
        }
    }
}
