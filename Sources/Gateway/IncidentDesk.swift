import Domain
import FlowEngine
import Foundation

/// Declaring, updating and closing incidents, for the MOE API and the console alike: the rules
/// against the catalogue, then the store, with the residents' broadcast of every piece of news.
public struct IncidentDesk: Sendable {
    let store: any IncidentStore
    let engine: FlowEngine
    let clock: any WallClock

    public init(store: any IncidentStore, engine: FlowEngine, clock: any WallClock) {
        (self.store, self.engine, self.clock) = (store, engine, clock)
    }

    public enum Outcome: Sendable, Equatable {
        case done(Incident)
        case notFound
        case refused(IncidentProblem)
    }

    /// A fault now, or planned works (`planned`: with a start in the future and an end).
    public func declare(_ draft: IncidentDraft, moe: String, planned: Bool = false, actor: String, address: String?) async throws -> Outcome {
        let now = clock.now()
        switch IncidentRules.declaration(draft, moe: moe, planned: planned, catalogue: engine.catalogue, now: now) {
        case .failure(let problem): return .refused(problem)
        case .success(let checked):
            return .done(try await store.declare(checked, moe: moe, actor: actor, address: address, at: now, calendar: engine.settings.calendar))
        }
    }

    /// A public update, or the closing (which takes only a description). Residents hear of a
    /// closing and of news (a description or a time), not of an area or fault added; area
    /// subscribers likewise (`AreaAlertSchedule`). Closing planned works before they start cancels them.
    public func change(_ id: Int64, moe: String, _ draft: IncidentDraft, closing: Bool, actor: String, address: String?) async throws -> Outcome {
        guard let incident = try await store.incident(id, moe: moe) else { return .notFound }
        let draft = closing ? IncidentDraft(description: draft.description) : draft
        if closing, draft.description?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty != false { return .refused(.missing("description")) }
        let now = clock.now()
        switch IncidentRules.update(draft, of: incident, catalogue: engine.catalogue, now: now) {
        case .failure(let problem): return .refused(problem)
        case .success(let checked):
            let news = closing || checked.description != nil || checked.expectedAt != nil || checked.startsAt != nil
                ? IncidentNews(engine: engine).broadcast(IncidentRules.applying(checked, to: incident), closing: closing) : nil
            guard let changed = try await store.changeIncident(id, moe: moe, checked, closing: closing, broadcast: news, actor: actor,
                                                               address: address, at: now, calendar: engine.settings.calendar) else { return .notFound }
            // Closed by someone else meanwhile: nothing changed.
            return changed.isOpen || closing ? .done(changed) : .refused(.closed)
        }
    }
}
