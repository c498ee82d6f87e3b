import Foundation
import Gateway
import Synchronization

/// The sessions this instance last read or wrote, so that a hop landing where the previous one did
/// plans without reading its session first: a hop that only moves a caller on is then one prepared
/// statement. What is remembered may be stale (another instance moved the session since, or a
/// purge removed it); that is safe, because a hop's write commits only on the version it planned
/// on, a refused write forgets the session and the hop reads it again, and a hop that would only
/// reply is checked against the stored session first (`HopDecision`).
final class RememberedSessions: Sendable {
    let capacity: Int
    private let sessions = Mutex<[String: StoredSession]>([:])

    init(capacity: Int = 20_000) { self.capacity = capacity }

    subscript(key: String) -> StoredSession? { sessions.withLock { $0[key] } }

    func remember(_ session: StoredSession) {
        sessions.withLock { table in
            if table.count >= capacity, table[session.key] == nil {
                // Full: sessions are short; keep the newest half.
                let cutoff = table.values.map(\.updatedAt).sorted()[table.count / 2]
                table = table.filter { $0.value.updatedAt > cutoff }
            }
            table[session.key] = session
        }
    }

    func forget(_ key: String) { _ = sessions.withLock { $0.removeValue(forKey: key) } }
}
