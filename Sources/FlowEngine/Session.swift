import Domain
import Foundation

/// Where one caller is in a flow. A value: the engine returns a new one each turn.
public struct Session: Sendable, Equatable, Codable {
    public var language: String?
    public var state: StateID
    /// The page shown of a list state.
    public var page: Int
    /// Answers so far (codes for list choices, text for inputs) and action results.
    public var slots: [String: String]
    /// The screens behind this one, for "0 Back".
    public var trail: [StateID]
    /// An unfinished report offered for resumption.
    public var suspended: Snapshot?
    public var ended: Bool

    public init(language: String?, state: StateID = "", page: Int = 0, slots: [String: String] = [:],
                trail: [StateID] = [], suspended: Snapshot? = nil, ended: Bool = false) {
        self.language = language
        self.state = state
        self.page = page
        self.slots = slots
        self.trail = trail
        self.suspended = suspended
        self.ended = ended
    }

    /// The part of a session that resuming brings back.
    public struct Snapshot: Sendable, Equatable, Codable {
        public var state: StateID
        public var page: Int
        public var slots: [String: String]
        public var trail: [StateID]

        public init(state: StateID, page: Int, slots: [String: String], trail: [StateID]) {
            self.state = state
            self.page = page
            self.slots = slots
            self.trail = trail
        }
    }

    var snapshot: Snapshot { Snapshot(state: state, page: page, slots: slots, trail: trail) }
}

/// What the host knows about this turn: time, caller and a fresh unused reference.
public struct TurnContext: Sendable {
    public var now: Date
    public var caller: MSISDN?
    public var channel: ReportChannel
    /// Draws an unused reference, for when this turn creates a ticket: drawn only then (a draw
    /// asks the kernel for randomness, and most turns create nothing).
    public var references: @Sendable () -> Reference

    public init(now: Date, caller: MSISDN?, channel: ReportChannel, references: @escaping @Sendable () -> Reference) {
        self.now = now
        self.caller = caller
        self.channel = channel
        self.references = references
    }

    /// With the reference a ticket would get.
    public init(now: Date, caller: MSISDN?, channel: ReportChannel, freshReference: Reference) {
        self.init(now: now, caller: caller, channel: channel, references: { freshReference })
    }
}

/// A screen for the caller; `isFinal` closes the session (USSD `END`).
public struct Screen: Sendable, Equatable {
    public var text: String
    public var isFinal: Bool
    public init(text: String, isFinal: Bool) {
        self.text = text
        self.isFinal = isFinal
    }
}

/// What the host must do, in one transaction with saving the session.
public enum Effect: Sendable, Equatable {
    case setLanguage(String)
    case createTicket(TicketDraft)
    /// The caller says their overdue ticket is late (the host checks again that they may).
    case chaseTicket(Reference)
    /// The caller answers the survey of their resolved ticket: 1-5, or 0 for "not fixed".
    case rateTicket(Reference, rating: Int)
    /// The caller asks to be told by SMS when this incident is fixed, instead of reporting it.
    case attachIncident(Int64)
    /// The caller asks for SMS alerts of planned works and faults in this area (the host checks their limit).
    case subscribeAlerts(String)
    /// The caller's report is the same fault as this open ticket: they become one of its reporters.
    case joinTicket(Reference)
    /// A crew member reports from the site (the host checks the job is their crew's and open).
    case fieldReport(Reference, FieldReport)
}

/// What the caller may do with the ticket they track, as the host found it: say it is late
/// (they reported it, it is past its target, not yet said today) or rate it (they reported it
/// and its survey is open). A lookup state's `when:` names the state for each.
public enum TrackOffer: String, Sendable, Equatable, CaseIterable {
    case late, rate
}

/// Data the engine needs from the store before it can go on.
public enum Query: Sendable, Equatable {
    case ticket(Reference)
    case recentTickets(limit: Int)
    /// The open incident this report is about, if any (`fault` nil: not said).
    case incident(service: String, fault: String?, area: String)
    /// The calling crew member's crew's open jobs, oldest first.
    case crewJobs(limit: Int)
    /// The open tickets this report likely repeats (`DuplicateRules`), the closest first.
    case duplicates(DuplicateCandidate)
}

public enum QueryAnswer: Sendable, Equatable {
    case ticket(PublicTicket?, offer: TrackOffer? = nil)
    case recentTickets([PublicTicket])
    case incident(IncidentNotice?)
    case crewJobs([CrewJob], crew: String)
    case duplicates([LikelyDuplicate])
}

/// The result of one engine call.
public struct Turn: Sendable, Equatable {
    public var session: Session
    public var outcome: Outcome
    public var effects: [Effect]

    public enum Outcome: Sendable, Equatable {
        case screen(Screen)
        /// Answer it with `FlowEngine.resume(_:answer:context:)`.
        case query(Query)
    }
}
