import Domain
import FlowEngine
import Foundation

/// What a caller who tracks a ticket may do with it, and the writes for what they chose: the same
/// rules as the SMS `LATE` keyword and the survey's digit, for USSD track.
struct TrackOffers {
    let engine: FlowEngine

    /// The ticket, offering to say it is late (a reporter, past its target, not said today) or to
    /// rate it (a reporter whose survey of it is open).
    func answer(_ reference: Reference, caller: MSISDN, _ reads: any ConversationReads, now: Date) throws -> QueryAnswer {
        guard let ticket = try reads.publicTicket(reference) else { return .ticket(nil) }
        if case .record = try reads.chaseFacts(reference, by: caller, since: engine.settings.calendar.startOfDay(now))?.decide(now: now) {
            return .ticket(ticket, offer: .late)
        }
        if let survey = try reads.openSurvey(of: caller, since: now.addingTimeInterval(-SurveyJob.window)), survey.reference == reference {
            return .ticket(ticket, offer: .rate)
        }
        return .ticket(ticket)
    }

    /// The chase to record, checked again at the moment of writing (nothing if no longer allowed).
    func chase(_ reference: Reference, caller: MSISDN, channel: String, _ reads: any ConversationReads, now: Date) throws -> TicketChase? {
        let since = engine.settings.calendar.startOfDay(now)
        guard case .record(let escalate) = try reads.chaseFacts(reference, by: caller, since: since)?.decide(now: now) else { return nil }
        return TicketChase(reference: reference, reporter: caller, escalate: escalate, channel: channel, since: since,
                           triageMOE: engine.serviceLevels.triageMOE)
    }

    /// The survey answer to record, if the caller's open survey is of this ticket.
    func rating(_ reference: Reference, _ rating: Int, caller: MSISDN, _ reads: any ConversationReads, now: Date) throws -> SurveyAnswer? {
        guard let survey = try reads.openSurvey(of: caller, since: now.addingTimeInterval(-SurveyJob.window)), survey.reference == reference else {
            return nil
        }
        return SurveyAnswer(surveyID: survey.id, rating: rating, reporter: caller, triageMOE: engine.serviceLevels.triageMOE)
    }
}
