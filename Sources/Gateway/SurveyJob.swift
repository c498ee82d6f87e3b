import Domain
import FlowEngine
import Foundation

/// Asks each reporter of a resolved ticket, once, after `delay`, in their language, how well it
/// was handled (reply 1-5) or whether it is not fixed (reply 0). Tickets closed as duplicates,
/// rejected or re-routed are never resolved, so never surveyed; a number that sent STOP is not asked.
public struct SurveyJob: Sendable {
    let store: any SurveyStore
    let engine: FlowEngine
    let clock: any WallClock
    let delay: TimeInterval

    public init(store: any SurveyStore, engine: FlowEngine, clock: any WallClock, delay: TimeInterval) {
        self.store = store
        self.engine = engine
        self.clock = clock
        self.delay = delay
    }

    /// Surveys are only started within a week of the resolution (a gateway that was down longer
    /// does not ask about old news).
    public static let window: TimeInterval = 7 * 24 * 3600

    @discardableResult
    public func run(batch: Int = 500) async throws -> Int {
        let now = clock.now()
        let due = try await store.surveysDue(resolvedFrom: now.addingTimeInterval(-Self.window), to: now.addingTimeInterval(-delay), limit: batch)
        guard !due.isEmpty else { return 0 }
        return try await store.startSurveys(due.map { ($0, engine.surveyQuestion(reference: $0.reference, language: $0.language)) }, at: now)
    }
}

extension FlowEngine {
    /// "Ref ... was marked fixed. Reply 1-5 ..., or 0 if it is not fixed", in the reporter's language.
    public func surveyQuestion(reference: Reference, language: String) -> String {
        SMSMeasure.cheapest(Template.fill(locales.locale(language).strings["sms.survey"] ?? "{reference}", ["reference": reference.grouped]))
    }
}
