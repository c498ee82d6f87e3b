import Domain
import Synchronization

/// The open incidents of each service, held in memory: every report asks at its area step
/// whether a known incident covers it. Incidents change only through this store's declare and
/// change (SQLite has one serving process), which forget what is held once they have committed;
/// a read that started before such a change does not keep its answer.
final class OpenIncidentCache: Sendable {
    struct State {
        var byService: [String: [Incident]] = [:]
        var generation: UInt64 = 0
    }

    let state = Mutex(State())

    func held(_ service: String) -> (incidents: [Incident]?, generation: UInt64) {
        state.withLock { ($0.byService[service], $0.generation) }
    }

    /// Keeps what a read found, unless incidents changed since the read began.
    func keep(_ incidents: [Incident], for service: String, readAt generation: UInt64) {
        state.withLock { s in
            if s.generation == generation { s.byService[service] = incidents }
        }
    }

    func forget() {
        state.withLock { s in
            s.generation &+= 1
            s.byService = [:]
        }
    }
}
