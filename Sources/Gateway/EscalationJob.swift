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

    /// One pass; returns how many tickets were escalated.
    @discardableResult
    public func run(batch: Int = 500) async throws -> Int {
        let now = clock.now()
        var escalated = 0
        for state in try await tickets.pastTarget(now: now, limit: batch) {
            guard let e = state.escalation(now: now, levels: engine.serviceLevels) else { continue }
            let outcome = try await desk.perform(.escalate(level: e.level, reason: e.reason), on: state.reference, scope: nil, actor: "civicgate", address: nil)
            if outcome == .done { escalated += 1 }
        }
        return escalated
    }
}
