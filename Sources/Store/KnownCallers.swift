import Foundation
import GRDB
import Synchronization

/// Who the database may know: every number, pseudonym and session key with a row in
/// `subscribers`, `ussd_sessions` or `crew_members`, held in memory as hashes. A caller it does not know has no
/// language, no STOP, no session on disk, so the first hop of a new caller (most first hops) is
/// answered from memory instead of queueing on the writer behind the rounds.
///
/// It may say "maybe" wrongly (a hash shared by two keys, a row since deleted, a write rolled
/// back), which only costs a database read; it must never say "unknown" of a row that exists:
/// - **This process's writes** are caught by temporary triggers on the writer's connection (the
///   only one that writes): every row added, and every number changed, is noted inside the
///   writing transaction, so before it commits.
/// - **Other processes' writes** (the CLI, `simulate`) are noticed through `PRAGMA data_version`,
///   which changes on the writer's connection only when another connection committed. Every
///   round and every read on the writer checks it (`verify`), and a change loads the hashes again,
///   on a reader beside the writer (nothing waits for the scan; memory is not trusted meanwhile).
///   Memory is trusted for `trustFor` (25 ms) after the last check and not longer: under load the
///   rounds check every few milliseconds, and when they do not, a first hop goes to the writer,
///   which checks first. So a number another process wrote first (a language chosen in
///   `simulate`) can be missed only by a hop arriving within 25 ms of a check that preceded that
///   commit, which the whole lifetime of a CLI process outlasts.
/// - Hashes are never removed one by one: the sweep of expired sessions loads them again when
///   they have outgrown the tables (`reloadIfOutgrown`).
final class KnownCallers: Sendable {
    struct State {
        var hashes: Set<Int> = []
        /// The writer's `PRAGMA data_version` the hashes stand for; nil before the first load.
        var dataVersion: Int64?
        var checkedAt: ContinuousClock.Instant?
        /// How many hashes the last load found.
        var found = 0
        /// A load is scanning the tables: what this process writes meanwhile is also kept here,
        /// to add to what it finds.
        var loading: [Int]?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let state = Mutex(State())
    let writer: any DatabaseWriter
    let trustFor: Duration

    init(writer: any DatabaseWriter, trustFor: Duration = AppDatabase.callerTrust) {
        self.writer = writer
        self.trustFor = trustFor
    }

    /// True when no row can hold `key` (a number, a pseudonym, a session key): loaded, checked
    /// within `trustFor`, and not among the hashes. False means "ask the database".
    func knowsNothing(of key: String) -> Bool {
        let now = ContinuousClock.now
        return state.withLock { s in
            guard let checked = s.checkedAt, now - checked < trustFor else { return false }
            return !s.hashes.contains(key.hashValue)
        }
    }

    /// Whether `key` is among the hashes, trusted or not.
    func mayHold(_ key: String) -> Bool {
        state.withLock { $0.hashes.contains(key.hashValue) }
    }

    /// Called by the triggers, inside the transaction that writes the row.
    func note(_ key: String) {
        let hash = key.hashValue
        state.withLock { s in
            s.hashes.insert(hash)
            s.loading?.append(hash)
        }
    }

    /// On the writer, outside a transaction: trusted again for `trustFor` if no other connection
    /// has committed since the hashes were loaded; otherwise (or before the first load) a load
    /// starts, and memory is not trusted until a check after it has finished.
    func verify(_ db: Database) throws {
        let version = try Self.dataVersion(db)
        let now = ContinuousClock.now
        let load = state.withLock { s -> Bool in
            if s.dataVersion == version {
                s.checkedAt = now
                return false
            }
            s.checkedAt = nil
            return s.loading == nil
        }
        if load { startLoad(version: version) }
    }

    /// On the writer, outside a transaction: loads again when the hashes have grown well past the
    /// rows they stand for (new callers since the last load, whose sessions the sweep has deleted).
    func reloadIfOutgrown(_ db: Database) throws {
        let version = try Self.dataVersion(db)
        let load = state.withLock { s in
            s.dataVersion != nil && s.loading == nil && s.hashes.count > 2 * s.found + 50_000
        }
        if load { startLoad(version: version) }
    }

    /// Changes on this connection only when another connection has committed.
    static func dataVersion(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0
    }

    /// Every key in the tables, read on a reader from the state the writer has just committed
    /// (`spawnConcurrentRead`: the writer goes on as soon as the reader holds that snapshot);
    /// what this process writes after it is noted meanwhile and added. A commit by another
    /// process after `version` was read changes it again, and the next check loads again.
    private func startLoad(version: Int64) {
        state.withLock { $0.loading = [] }
        writer.spawnConcurrentRead { [self] result in
            var hashes = Set<Int>()
            let scanned: Bool
            do {
                let db = try result.get()
                for sql in ["SELECT msisdn FROM subscribers", "SELECT key FROM ussd_sessions", "SELECT msisdn FROM ussd_sessions",
                            "SELECT msisdn FROM crew_members"] {
                    let keys = try String.fetchCursor(db, sql: sql)
                    while let key = try keys.next() { hashes.insert(key.hashValue) }
                }
                scanned = true
            } catch {
                scanned = false  // the next check tries again
            }
            let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                if scanned {
                    hashes.formUnion(s.loading ?? [])
                    s.hashes = hashes
                    s.found = hashes.count
                    s.dataVersion = version
                }
                s.loading = nil
                defer { s.waiters = [] }
                return s.waiters
            }
            waiters.forEach { $0.resume() }
        }
    }

    /// Returns when no load is running (for tests and tools).
    func loaded() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                guard s.loading != nil else { return true }
                s.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Installs the triggers on the writer's connection: temporary ones, seen by no other
    /// connection or process, and calling a function only this connection has.
    func watch() throws {
        try writer.writeWithoutTransaction { db in
            db.add(function: DatabaseFunction("civicgate_known", argumentCount: -1, pure: false) { [self] values in
                for value in values { if let key = String.fromDatabaseValue(value) { note(key) } }
                return nil
            })
            try db.execute(sql: """
                CREATE TEMP TRIGGER IF NOT EXISTS known_subscriber_added AFTER INSERT ON main.subscribers
                    BEGIN SELECT civicgate_known(NEW.msisdn); END;
                CREATE TEMP TRIGGER IF NOT EXISTS known_subscriber_renamed AFTER UPDATE OF msisdn ON main.subscribers
                    BEGIN SELECT civicgate_known(NEW.msisdn); END;
                CREATE TEMP TRIGGER IF NOT EXISTS known_session_added AFTER INSERT ON main.ussd_sessions
                    BEGIN SELECT civicgate_known(NEW.key, NEW.msisdn); END;
                CREATE TEMP TRIGGER IF NOT EXISTS known_session_changed AFTER UPDATE OF key, msisdn ON main.ussd_sessions
                    BEGIN SELECT civicgate_known(NEW.key, NEW.msisdn); END;
                CREATE TEMP TRIGGER IF NOT EXISTS known_crew_member_added AFTER INSERT ON main.crew_members
                    BEGIN SELECT civicgate_known(NEW.msisdn); END;
                """)
        }
    }
}
