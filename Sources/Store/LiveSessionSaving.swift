import Foundation
import Gateway
import GRDB

/// Saving the sessions held in memory: rounds in the background, and at once before anything
/// that reads or deletes sessions on disk (erasure, retention, the sweeper, statistics, shutdown).
extension LiveSessions {
    /// Saves every session newer than its row, and the languages held, in the caller's write
    /// transaction. Once it commits, they are marked saved; ended sessions then leave memory, and
    /// beyond `capacity` the least recently used saved ones. If it rolls back, they stay unsaved.
    func save(_ db: Database) throws {
        let batch = state.withLock { s -> [(stored: StoredSession, onDisk: Bool)] in
            let keys = s.dirty
            s.dirty = []
            return keys.compactMap { key in s.entries[key].flatMap { $0.pending ? nil : ($0.stored, $0.onDisk) } }
        }
        let languages = state.withLock { $0.languages }
        guard !batch.isEmpty || !languages.isEmpty else { return }
        var gone: Set<String> = []
        do {
            for (stored, onDisk) in batch where !(try SessionRows.save(db, stored, replacing: onDisk)) {
                gone.insert(stored.key)
            }
            for (number, held) in languages { try SubscriberRows.setLanguage(db, number, held.code, at: held.at) }
        } catch {
            unsaved(batch)
            throw error
        }
        db.afterNextTransaction(onCommit: { [gone] _ in self.saved(batch, gone: gone, languages: languages) },
                                onRollback: { _ in self.unsaved(batch) })
    }

    private func unsaved(_ batch: [(stored: StoredSession, onDisk: Bool)]) {
        state.withLock { s in
            for (stored, _) in batch where s.entries[stored.key] != nil { s.dirty.insert(stored.key) }
        }
    }

    private func saved(_ batch: [(stored: StoredSession, onDisk: Bool)], gone: Set<String>, languages: [String: HeldLanguage]) {
        for (number, held) in languages { languageSaved(number, held) }
        state.withLock { s in
            for (stored, _) in batch {
                guard var entry = s.entries[stored.key], !entry.pending, entry.stored.version == stored.version else { continue }
                if gone.contains(stored.key) || entry.stored.session.ended {
                    // Deleted on disk meanwhile (erased or purged by another process), or finished.
                    Self.remove(stored.key, from: &s)
                } else {
                    entry.dirty = false
                    entry.onDisk = true
                    s.entries[stored.key] = entry
                }
            }
            Self.evict(&s, capacity: capacity)
        }
    }

    /// Saves now, in a transaction of its own, at the writer's raised priority (hops wait for it).
    public func saveNow() async throws {
        try await writer.writeWithoutTransaction { db in
            try WriterPriority.raising { try db.inTransaction { try self.save(db); return .commit } }
        }
    }

    func scheduleSave() {
        let start = state.withLock { s -> Bool in
            if s.saveScheduled { return false }
            s.saveScheduled = true
            return true
        }
        guard start else { return }
        Task.detached { [self] in
            try? await Task.sleep(for: saveDelay)
            state.withLock { $0.saveScheduled = false }
            do {
                try await saveNow()
            } catch {
                logger.error("saving USSD sessions failed; retrying", metadata: ["error": "\(error)"])
                scheduleSave()
            }
        }
    }

    /// Over capacity: the least recently used saved sessions leave, down to three quarters of it.
    /// This runs under the lock every hop takes, so it sorts stamps and keys, not sessions, and
    /// frees a quarter at a time: under a stream of abandoned sessions (offers nobody answered)
    /// a pass every few seconds, not one every few hundred sessions (those passes, each sorting
    /// 20,000 sessions, put 30 ms on the p99 of `ussd-vs-bare.sh` at 64 sessions).
    static func evict(_ s: inout State, capacity: Int) {
        guard s.entries.count > capacity else { return }
        var idle: [(used: UInt64, key: String)] = []
        idle.reserveCapacity(s.entries.count)
        for (key, entry) in s.entries where !entry.dirty && !entry.pending { idle.append((entry.used, key)) }
        idle.sort { $0.used < $1.used }
        for (_, key) in idle.prefix(s.entries.count - capacity * 3 / 4) { remove(key, from: &s) }
    }
}
