import Foundation
import Synchronization

/// Where this instance has lately seen a confirmation that one statement cannot write
/// (`TicketStatements.confirmation` answered "not plain": its MOE has a webhook subscription or
/// its service an open incident), so that the next ones there go straight to a transaction instead of
/// trying the one statement first. Forgotten after `memory`, so a subscription removed or an
/// incident closed brings the one statement back.
final class ConfirmationRoutes: Sendable {
    let memory: TimeInterval
    private let needMore = Mutex<[String: Date]>([:])

    init(memory: TimeInterval = 60) { self.memory = memory }

    /// Whether a confirmation to `moe` about `service` should try the one statement at `now`.
    func inOneStatement(moe: String, service: String, now: Date) -> Bool {
        needMore.withLock { seen in
            guard let until = seen[Self.key(moe, service)] else { return true }
            if until > now { return false }
            seen[Self.key(moe, service)] = nil
            return true
        }
    }

    func needsMoreWrites(moe: String, service: String, now: Date) {
        needMore.withLock { seen in
            if seen.count >= 10_000 { seen = seen.filter { $0.value > now } }
            seen[Self.key(moe, service)] = now.addingTimeInterval(memory)
        }
    }

    private static func key(_ moe: String, _ service: String) -> String { moe + "\u{1F}" + service }
}
