import Domain
import FlowEngine
import Foundation
import Logging

/// The escalation job: every open ticket past a target is escalated once per level, through the
/// same ticket rules and transaction as a dispatcher's action (history, audit log, and an SMS to
/// each supervisor or head with a number). Safe on several instances at once: the ticket row is
/// locked and the rules refuse a level the ticket already has.
public struct EscalationJob: Sendable {
    let tickets: any EscalationStore
    let desk: TicketDesk
    let engine: FlowEngine
    let clock: any WallClock

    public init(tickets: any EscalationStore, dispatch: any TicketLedger, engine: FlowEngine, clock: any WallClock) {
        self.tickets = tickets
        self.desk = TicketDesk(ledger: dispatch, engine: engine, clock: clock)
        self.engine = engine
        self.clock = clock
    }

    /// One pass; returns how many tickets were escalated. A ticket that cannot be escalated does
    /// not stop the others: the pass goes on and then throws `EscalationFailures` naming it, for
    /// the job's log (and tries it again at the next pass). Tickets are taken most overdue first,
    /// so one failing for good would otherwise hold back every ticket behind it, pass after pass.
    @discardableResult
    public func run(batch: Int = 500) async throws -> Int {
        let now = clock.now()
        var escalated = 0
        var failed: [(reference: Reference, error: String)] = []
        for state in try await tickets.pastTarget(now: now, limit: batch) {
            guard let e = state.escalation(now: now, levels: engine.serviceLevels) else { continue }
            do {
                let outcome = try await desk.perform(.escalate(level: e.level, reason: e.reason), on: state.reference, scope: nil,
                                                     actor: "civicgate", address: nil)
                if outcome == .done { escalated += 1 }
            } catch let error as CancellationError {
                throw error
            } catch {
                failed.append((state.reference, "\(error)"))
            }
        }
        guard failed.isEmpty else { throw EscalationFailures(escalated: escalated, failed: failed) }
        return escalated
    }
}

/// A pass of the escalation job in which some tickets could not be escalated (the others were).
public struct EscalationFailures: Error, CustomStringConvertible {
    public let escalated: Int
    public let failed: [(reference: Reference, error: String)]

    public var description: String {
        "escalated \(escalated); \(failed.count) could not be: " + failed.prefix(5).map { "\($0.reference.grouped): \($0.error)" }.joined(separator: "; ")
    }
}
