import Domain
import Foundation

/// One reporter to ask, after a resolution, how well their report was handled.
public struct SurveyInvitation: Sendable, Equatable {
    /// The resolved ticket (the one its duplicates joined).
    public var ticketID: Int64
    /// The reporter's own reference (theirs may be a duplicate of the resolved one).
    public var reference: Reference
    public var msisdn: MSISDN
    public var language: String
    /// 1 for the ticket's first resolution, 2 after a reopen and a second one, ...
    public var resolution: Int

    public init(ticketID: Int64, reference: Reference, msisdn: MSISDN, language: String, resolution: Int) {
        self.ticketID = ticketID
        self.reference = reference
        self.msisdn = msisdn
        self.language = language
        self.resolution = resolution
    }
}

/// A survey a number was sent and has not answered.
public struct OpenSurvey: Sendable, Equatable {
    public var id: Int64
    public var reference: Reference

    public init(id: Int64, reference: Reference) {
        self.id = id
        self.reference = reference
    }
}

/// A reporter's answer to a survey: 1-5 (5 best), or 0 for "not fixed", which reopens the ticket.
public struct SurveyAnswer: Sendable, Equatable {
    public var surveyID: Int64
    public var rating: Int
    public var reporter: MSISDN
    /// Municipal triage's MOE, for an escalation when a ticket is reopened a second time.
    public var triageMOE: String

    public init(surveyID: Int64, rating: Int, reporter: MSISDN, triageMOE: String) {
        self.surveyID = surveyID
        self.rating = rating
        self.reporter = reporter
        self.triageMOE = triageMOE
    }
}

/// Satisfaction surveys: who is due one, and sending them with their SMS in one transaction.
public protocol SurveyStore: Sendable {
    /// Reporters (not opted out) of tickets resolved between `from` and `to` and still resolved,
    /// not yet asked for that resolution; at most `limit`.
    func surveysDue(resolvedFrom from: Date, to: Date, limit: Int) async throws -> [SurveyInvitation]
    /// Records each survey and queues its SMS, once per reporter per resolution (a second
    /// instance doing the same finds them recorded); returns how many were new.
    func startSurveys(_ surveys: [(SurveyInvitation, String)], at: Date) async throws -> Int
}
