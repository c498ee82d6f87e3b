#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The writer's thread, raised above the request threads while it commits hops.
///
/// Every ticket waits for the one thread that writes. On a busy machine that thread gets the same
/// share of a core as each event loop and each task thread: a round that needed 1.7 ms of CPU
/// took 4.4 ms (two cores, 64 sessions), and the confirmations queued behind it. While it
/// commits a round of hops (bounded: the hops in flight) or saves the live sessions (bounded: the
/// sessions that moved in 100 ms), its thread runs at a raised priority and goes back to what it
/// had afterwards; other work on the writer (imports, purges, the console) keeps the normal one.
///
/// Linux keeps a nice value per thread, and raising it needs `CAP_SYS_NICE` or a `RLIMIT_NICE`
/// (systemd: `LimitNICE=-5` or `AmbientCapabilities=CAP_SYS_NICE`). Without either the first
/// attempt fails and the writer simply keeps the normal priority: nothing else changes.
public enum WriterPriority {
    /// The nice value of a committing writer (0 is normal, -20 the highest).
    public static let raised: Int32 = -5

    /// Whether raising is permitted: unknown until the first attempt, then remembered.
    private static let permitted = Atomic<Int8>(-1)

    /// Runs `body` with the calling thread raised, when permitted.
    static func raising<T>(_ body: () throws -> T) rethrows -> T {
        guard permitted.load(ordering: .relaxed) != 0, let before = current(), before > raised else { return try body() }
        guard setpriority(PRIO_PROCESS_WHICH, 0, raised) == 0 else {
            permitted.store(0, ordering: .relaxed)
            return try body()
        }
        permitted.store(1, ordering: .relaxed)
        defer { _ = setpriority(PRIO_PROCESS_WHICH, 0, before) }  // lowering one's own priority is always allowed
        return try body()
    }

    /// Whether the last attempt raised the writer's priority (nil before the first).
    static var isPermitted: Bool? {
        switch permitted.load(ordering: .relaxed) { case 0: false; case 1: true; default: nil }
    }

    /// Whether this process may raise the writer: tried once on the calling thread, which goes
    /// back to its priority at once. For the start-up log.
    public static func mayRaise() -> Bool {
        // Already at least that high (the whole process started raised): nothing to raise, and
        // `raising` would not try.
        if let now = current(), now <= raised { return true }
        raising {}
        return isPermitted ?? false
    }

    /// The calling thread's nice value (under Linux/NPTL `PRIO_PROCESS` with 0 is the thread).
    private static func current() -> Int32? {
        errno = 0
        let value = getpriority(PRIO_PROCESS_WHICH, 0)
        return value == -1 && errno != 0 ? nil : value
    }

    #if canImport(Glibc)
    private static let PRIO_PROCESS_WHICH = __priority_which_t(PRIO_PROCESS.rawValue)
    #else
    private static let PRIO_PROCESS_WHICH = PRIO_PROCESS
    #endif
}
