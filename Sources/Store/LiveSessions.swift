import Domain
import Foundation
import Gateway
import GRDB
import Logging
import Synchronization

/// The USSD and SMS sessions in progress, held in this process's memory so that a hop which only
/// moves a caller from one screen to the next reads and writes no database at all (SQLite, one
/// instance). The database stays the record:
/// - a hop that stores anything else (a ticket, a language, STOP, an SMS, a promise to tell) writes
///   its session in the same transaction, and a reference is fsynced before the reply leaves, as
///   without this cache;
/// - a session that only moved is saved by a background round within `saveDelay`, many sessions
///   in one transaction; a crash loses at most that much of a caller's progress, never a ticket;
/// - a hop reads its session from here, or loads it from the database once.
///
/// A session's version is checked here, under one lock: a retried request and its original cannot
/// both advance a session. While a hop's transaction is writing a session, the session is
/// *pending*: a duplicate waits for the transaction and then reads what it stored, so a reply
/// with a reference is never read before the reference is on disk.
public final class LiveSessions: Sendable {
    struct Entry {
        var stored: StoredSession
        /// Newer than its row on disk.
        var dirty: Bool
        /// A row for this key was written or read: a later save updates it and never recreates
        /// a row that an erasure or a purge removed.
        var onDisk: Bool
        /// A hop's transaction is writing this session; `stored` is the version before it.
        var pending = false
        /// A hop is writing a session that had no entry: nothing to show until it settles.
        var placeholder = false
        var used: UInt64 = 0
    }

    struct State {
        var entries: [String: Entry] = [:]
        /// Keys by caller, to find a dropped session to resume.
        var byCaller: [String: [String]] = [:]
        var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]
        /// Keys of entries newer than their rows.
        var dirty: Set<String> = []
        /// Languages callers chose on a screen, not yet on disk: by number.
        var languages: [String: HeldLanguage] = [:]
        var uses: UInt64 = 0
        var saveScheduled = false
    }

    struct HeldLanguage: Equatable {
        var code: String
        var at: Date
    }

    /// What a read found.
    enum Lookup {
        case hit(StoredSession)
        case miss
        case pending
    }

    /// Thrown by reads that need what only the database or a settled session can tell.
    enum Miss: Error {
        case database
        case pending(String)
    }

    let state = Mutex(State())
    let writer: any DatabaseWriter
    /// Saved sessions kept beyond those in progress; the least recently used leave first.
    let capacity: Int
    let saveDelay: Duration
    let logger: Logger

    public init(writer: any DatabaseWriter, capacity: Int = 20_000, saveDelay: Duration = .milliseconds(100),
                logger: Logger = Logger(label: "civicgate.sessions")) {
        self.writer = writer
        self.capacity = capacity
        self.saveDelay = saveDelay
        self.logger = logger
    }

    // MARK: Reads

    func lookup(_ key: String) -> Lookup {
        state.withLock { s in
            guard var entry = s.entries[key] else { return .miss }
            if entry.pending { return .pending }
            s.uses &+= 1
            entry.used = s.uses
            s.entries[key] = entry
            return .hit(entry.stored)
        }
    }

    /// A session read from the database: kept unless a newer one is already here.
    func load(_ stored: StoredSession) {
        state.withLock { s in
            guard s.entries[stored.key] == nil else { return }
            s.uses &+= 1
            s.entries[stored.key] = Entry(stored: stored, dirty: false, onDisk: true, used: s.uses)
            s.byCaller[stored.msisdn.e164, default: []].append(stored.key)
        }
    }

    /// This caller's sessions held here (settled ones), which supersede their rows on disk; and
    /// the keys of all of them, pending included.
    func sessions(of msisdn: MSISDN) -> (settled: [StoredSession], keys: Set<String>) {
        state.withLock { s in
            let keys = s.byCaller[msisdn.e164] ?? []
            let settled = keys.compactMap { key in s.entries[key].flatMap { $0.pending ? nil : $0.stored } }
            return (settled, Set(keys))
        }
    }

    /// Returns when no hop's transaction is writing this session.
    func settled(_ key: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                guard s.entries[key]?.pending == true else { return true }
                s.waiters[key, default: []].append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    // MARK: Writes

    /// A hop that changed nothing but its session: kept here, saved by the next round. False
    /// when another request advanced the session since this one read it.
    func advance(_ new: StoredSession) -> Bool {
        let accepted = state.withLock { s -> Bool in
            guard Self.follows(new, s.entries[new.key]) else { return false }
            s.uses &+= 1
            if var entry = s.entries[new.key] {
                entry.stored = new
                entry.dirty = true
                entry.used = s.uses
                s.entries[new.key] = entry
            } else {
                s.entries[new.key] = Entry(stored: new, dirty: true, onDisk: false, used: s.uses)
                s.byCaller[new.msisdn.e164, default: []].append(new.key)
            }
            s.dirty.insert(new.key)
            return true
        }
        if accepted { scheduleSave() }
        return accepted
    }

    /// Before a hop's transaction writes `new`: marks the session pending. False when another
    /// request advanced it since this one read it.
    func reserve(_ new: StoredSession) -> Bool {
        state.withLock { s -> Bool in
            guard Self.follows(new, s.entries[new.key]) else { return false }
            if var entry = s.entries[new.key] {
                entry.pending = true
                s.entries[new.key] = entry
            } else {
                s.entries[new.key] = Entry(stored: new, dirty: false, onDisk: false, pending: true, placeholder: true)
                s.byCaller[new.msisdn.e164, default: []].append(new.key)
            }
            return true
        }
    }

    /// After the transaction: the session as committed (and on disk), or as it was before.
    func settle(_ new: StoredSession, committed: Bool) {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            if var entry = s.entries[new.key], entry.pending {
                if committed && new.session.ended {
                    Self.remove(new.key, from: &s)  // a retry reads the ended session from disk
                } else if committed {
                    s.uses &+= 1
                    s.entries[new.key] = Entry(stored: new, dirty: false, onDisk: true, used: s.uses)
                } else if entry.placeholder {
                    Self.remove(new.key, from: &s)
                } else {
                    entry.pending = false
                    s.entries[new.key] = entry
                }
            }
            return s.waiters.removeValue(forKey: new.key) ?? []
        }
        waiters.forEach { $0.resume() }
    }

    /// A caller chose a language (with a hop that changed nothing else): held, and written with
    /// the next transaction that touches the number (a ticket, STOP...) or the next save round,
    /// whichever comes first. Reads of the number's language see it at once.
    func hold(language code: String, for msisdn: MSISDN, at: Date) {
        state.withLock { $0.languages[msisdn.e164] = HeldLanguage(code: code, at: at) }
        scheduleSave()
    }

    func heldLanguage(_ msisdn: MSISDN) -> HeldLanguage? {
        state.withLock { $0.languages[msisdn.e164] }
    }

    /// Written to disk: no longer held, unless chosen again since.
    func languageSaved(_ number: String, _ held: HeldLanguage) {
        state.withLock { s in
            if s.languages[number] == held { s.languages[number] = nil }
        }
    }

    /// A dropped session a redial took over: not offered again (its row was updated in the same transaction).
    func retire(_ key: String) {
        state.withLock { s in
            guard var entry = s.entries[key], !entry.pending else { return }
            entry.stored.resumable = false
            s.entries[key] = entry
        }
    }

    /// The dropped session a caller may resume: the newest resumable one since `since`, other
    /// than the one calling.
    static func latestResumable(_ sessions: [StoredSession], since: Date, excluding key: String) -> StoredSession? {
        sessions.filter { $0.resumable && $0.updatedAt >= since && $0.key != key && !$0.key.hasPrefix("sms:") }.max { $0.updatedAt < $1.updatedAt }
    }

    /// The first write of a session, or the write after the one held here.
    static func follows(_ new: StoredSession, _ entry: Entry?) -> Bool {
        guard let entry else { return new.version == 1 }
        return !entry.pending && entry.stored.version == new.version - 1
    }

    static func remove(_ key: String, from s: inout State) {
        guard let entry = s.entries.removeValue(forKey: key) else { return }
        s.dirty.remove(key)
        let caller = entry.stored.msisdn.e164
        s.byCaller[caller]?.removeAll { $0 == key }
        if s.byCaller[caller]?.isEmpty == true { s.byCaller[caller] = nil }
    }

    // MARK: Forgetting (erasure, retention)

    /// Drops this caller's sessions (after their rows were deleted in the same transaction).
    func forget(_ msisdn: MSISDN) {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            var woken: [CheckedContinuation<Void, Never>] = []
            s.languages[msisdn.e164] = nil  // saved (under its pseudonym) before the erasure
            for key in s.byCaller[msisdn.e164] ?? [] {
                Self.remove(key, from: &s)
                woken += s.waiters.removeValue(forKey: key) ?? []
            }
            return woken
        }
        waiters.forEach { $0.resume() }
    }

    /// Drops sessions untouched since `before` (after their rows were deleted).
    func forget(updatedBefore before: Date) {
        state.withLock { s in
            for (key, entry) in s.entries where !entry.pending && entry.stored.updatedAt < before {
                Self.remove(key, from: &s)
            }
        }
    }
}
