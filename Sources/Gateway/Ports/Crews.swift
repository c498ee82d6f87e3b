import Domain
import Foundation

/// A crew's work at a glance, for the crews page.
public struct CrewBoardRow: Sendable, Equatable {
    public var crew: Crew
    public var openJobs: Int
    public var oldestJob: Date?
    public var doneToday: Int

    public init(crew: Crew, openJobs: Int, oldestJob: Date?, doneToday: Int) {
        (self.crew, self.openJobs, self.oldestJob, self.doneToday) = (crew, openJobs, oldestJob, doneToday)
    }
}

/// What came of adding a crew.
public enum CrewAddOutcome: Sendable, Equatable {
    case added(Crew)
    /// The MOE already has a crew of that name.
    case nameTaken
    /// The number is already a member of that crew (a number belongs to at most one crew).
    case numberTaken(MSISDN, crew: String)
}

/// The crews of each MOE, where they are kept.
public protocol CrewRoster: Sendable {
    /// Adds a crew (name, members, language, usual services and areas) in one transaction, audited under `actor`.
    func addCrew(_ crew: Crew, at: Date, actor: String) async throws -> CrewAddOutcome
    /// Every crew, or those of `moe`, by MOE and name.
    func crews(moe: String?) async throws -> [Crew]
    /// Removes a crew: its numbers are free again and each of its open jobs goes back to the queue,
    /// unassigned, with a history entry saying so. nil: no such crew. Returns the jobs released.
    func removeCrew(named name: String, moe: String, actor: String, at: Date) async throws -> [Reference]?
    /// Per crew of `moe`: open jobs, the oldest, and jobs resolved since `since`.
    func crewBoard(moe: String?, since: Date) async throws -> [CrewBoardRow]
    /// The jobs given to a crew in [from, to), for the field indicators.
    func fieldRecords(moe: String?, from: Date, to: Date) async throws -> [FieldRecord]
}

/// A crew member's report from the site (SMS or USSD), as the hop that carries it writes it: the
/// ticket rules decide again in the store's transaction; the residents' notice is already worded
/// for each shipped language, `{reference}` standing for each reporter's own reference.
public struct CrewFieldReport: Sendable, Equatable {
    public var reference: Reference
    public var crew: Crew
    public var report: FieldReport
    public var member: MSISDN
    /// "SMS" or "USSD".
    public var channel: String
    public var notices: [String: String]
    public var triageMOE: String

    public init(reference: Reference, crew: Crew, report: FieldReport, member: MSISDN, channel: String, notices: [String: String], triageMOE: String) {
        (self.reference, self.crew, self.report, self.member, self.channel) = (reference, crew, report, member, channel)
        (self.notices, self.triageMOE) = (notices, triageMOE)
    }
}
