import Domain
import Synchronization

/// The open incidents of each service, held in memory: every report asks at its area step
/// whether a known incident covers it. This process's declares and changes forget what is held
/// once they have committed, and a read that started before such a change does not keep its
/// answer. On SQLite that is every change (one serving process). Several PostgreSQL instances
/// change incidents each other's memory does not see: there an answer is kept for `maxAge` at
/// most, so another instance's new or closed incident is known within a second (a resident
/// told of an incident closed in that second is attached to nothing: the write checks it is open).
public final class OpenIncidentCache: Sendable {
    struct Held {
        var incidents: [Incident]
        var at: ContinuousClock.Instant
    }

    struct State {
        var byService: [String: Held] = [:]
        var generation: UInt64 = 0
    }

    let state = Mutex(State())
    let maxAge: Duration?

    public init(maxAge: Duration? = nil) { self.maxAge = maxAge }

    /// The open incidents of `service`: those held, or what `read` finds, kept.
    public func incidents(of service: String, read: () throws -> [Incident]) rethrows -> [Incident] {
        let (held, generation) = self.held(service)
        if let held { return held }
        let started = ContinuousClock.now
        let open = try read()
        keep(open, for: service, readAt: generation, startedAt: started)
        return open
    }

    /// The same, for a store whose read is asynchronous.
    public func incidents(of service: String, reading read: () async throws -> [Incident]) async rethrows -> [Incident] {
        let (held, generation) = self.held(service)
        if let held { return held }
        let started = ContinuousClock.now
        let open = try await read()
        keep(open, for: service, readAt: generation, startedAt: started)
        return open
    }

    /// What is held for `service` (nil: read it), and the generation to keep a read under.
    public func held(_ service: String) -> (incidents: [Incident]?, generation: UInt64) {
        state.withLock { s in
            guard let held = s.byService[service], maxAge.map({ ContinuousClock.now - held.at < $0 }) ?? true else { return (nil, s.generation) }
            return (held.incidents, s.generation)
        }
    }

    /// Keeps what a read found, unless incidents changed since the read began.
    public func keep(_ incidents: [Incident], for service: String, readAt generation: UInt64, startedAt: ContinuousClock.Instant = .now) {
        state.withLock { s in
            if s.generation == generation { s.byService[service] = Held(incidents: incidents, at: startedAt) }
        }
    }

    public func forget() {
        state.withLock { s in
            s.generation &+= 1
            s.byService = [:]
        }
    }
}
