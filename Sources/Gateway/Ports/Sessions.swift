import Domain
import FlowEngine
import Foundation

/// A USSD session as the store keeps it.
public struct StoredSession: Sendable, Equatable {
    public var key: String
    public var msisdn: MSISDN
    public var serviceCode: String
    public var session: Session
    /// The aggregator's `text` as last seen, to tell a retry from a new answer and to take only
    /// the newest input from the `*`-joined history.
    public var lastText: String?
    public var lastReply: UssdReply?
    /// Dropped here, it may be offered for resumption (USSD); a report waits on its answer (SMS).
    public var resumable: Bool
    /// Bumped by every write: a hop commits only if nobody else wrote the session since it read it.
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(key: String, msisdn: MSISDN, serviceCode: String, session: Session, lastText: String?, lastReply: UssdReply?,
                resumable: Bool, version: Int = 1, createdAt: Date, updatedAt: Date) {
        self.key = key
        self.msisdn = msisdn
        self.serviceCode = serviceCode
        self.session = session
        self.lastText = lastText
        self.lastReply = lastReply
        self.resumable = resumable
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What a hop reads: a consistent snapshot, taken outside the single writer.
public protocol ConversationReads {
    func session(key: String) throws -> StoredSession?
    /// The newest resumable session of this caller updated since `since`, other than `excluding`.
    func unfinishedSession(of msisdn: MSISDN, since: Date, excluding key: String) throws -> StoredSession?
    func language(of msisdn: MSISDN) throws -> String?
    func referenceExists(_ reference: Reference) throws -> Bool
    func publicTicket(_ reference: Reference) throws -> PublicTicket?
    func recentTickets(of msisdn: MSISDN, limit: Int) throws -> [PublicTicket]
    func subscriber(_ msisdn: MSISDN) throws -> Subscriber?
    /// A subscriber kept under a pseudonym (an erased or purged number).
    func subscriber(key: String) throws -> Subscriber?
    func inboundSeen(provider: String, id: String) throws -> Bool
    /// What the rules need when `msisdn` says this ticket is late; nil when there is no such ticket.
    func chaseFacts(_ reference: Reference, by msisdn: MSISDN, since: Date) throws -> ChaseFacts?
    /// The newest survey sent to this number since `since`, if it is not answered yet.
    func openSurvey(of msisdn: MSISDN, since: Date) throws -> OpenSurvey?
    /// The open incidents of a service (few: one per storm), for `Incident.about`.
    func openIncidents(service: String) throws -> [Incident]
    /// The areas a number asked for alerts about, oldest first.
    func alertAreas(of msisdn: MSISDN) throws -> [String]
    /// The crew this number belongs to (a work number), if any.
    func crew(of msisdn: MSISDN) throws -> Crew?
    /// A crew's open jobs, oldest first.
    func jobs(ofCrew id: Int64, limit: Int) throws -> [CrewJob]
    /// What the rules need when a crew reports on this ticket (its status, crew, on site); nil: no such ticket.
    func fieldState(_ reference: Reference) throws -> TicketState?
    /// A service's open tickets created since `since`, newest first, in `area` or with no known
    /// area (nil: in any area), whose address has `digits` in it when given (a street number),
    /// that `caller` has not reported or joined: the offer to join one ("already reported").
    func duplicateCandidates(service: String, area: String?, since: Date, digits: String?, notReportedBy caller: MSISDN, limit: Int) throws
        -> [DuplicateCandidate]
}

/// Everything a USSD hop writes, committed together or not at all.
public struct HopWrite: Sendable, Equatable {
    /// The session as it now stands; its `version` is the one it had when read, plus one.
    public var session: StoredSession?
    /// Stops a session being offered for resumption again.
    public var retire: String?
    public var msisdn: MSISDN?
    public var language: String?
    /// The ticket, its first history row and its confirmation in the outbox.
    public var ticket: NewTicket?
    /// Replies and notifications for the outbox.
    public var messages: [OutboundSMS] = []
    /// STOP (true) or START (false).
    public var optOut: Bool?
    public var helpSentAt: Date?
    /// A number never seen before is recorded (no language, not opted out), so its privacy notice goes once.
    public var firstContact = false
    /// The SMS being answered: a second delivery of the same provider id is refused.
    public var inbound: InboundRecord?
    /// A reporter says a ticket is late: recorded (once a day) and escalated if it was not.
    public var chase: TicketChase?
    /// An answer to a satisfaction survey (0 reopens the ticket).
    public var surveyAnswer: SurveyAnswer?
    /// A crew member's report from the site: decided by the ticket rules and written with the hop.
    public var field: CrewFieldReport?
    /// The caller asked to be told when this incident is fixed (once per number per incident).
    public var attachment: IncidentAttachment?
    /// The caller is added to a ticket already reported (no ticket of their own).
    public var join: TicketJoin?
    /// The caller's area alerts changed (`ALERTS`, the USSD menu, STOP).
    public var alerts: AlertSubscriptionChange?
    /// The ticket (or the join) is refused (`.reportLimitReached`, nothing written) when its caller already made
    /// this many reports today: counted in the transaction that would add one, so two reports
    /// finishing at once cannot both pass.
    public var reportLimit: ReportLimit?
    public var at: Date

    public init(session: StoredSession?, at: Date, retire: String? = nil, language: String? = nil, ticket: NewTicket? = nil) {
        self.session = session
        self.at = at
        self.msisdn = session?.msisdn
        self.retire = retire
        self.language = language
        self.ticket = ticket
    }
}

extension HopWrite {
    /// Only the session moved: nothing a resident was promised, no setting, no message. A store
    /// may keep such a write in memory for a moment (SQLite's `LiveSessions`).
    public var changesOnlyTheSession: Bool { language == nil && changesOnlyTheSessionAndLanguage }

    /// The hop writes its caller's `subscribers` row: a first contact, a language, STOP or START, help sent.
    public var writesSubscriber: Bool { msisdn != nil && (firstContact || language != nil || optOut != nil || helpSentAt != nil) }

    /// Only the session moved, and perhaps the caller chose a language.
    public var changesOnlyTheSessionAndLanguage: Bool { ticket == nil && changesNothingElse }

    /// Only the session moved and a ticket was filed: a USSD confirmation.
    public var filesOnlyATicket: Bool { ticket != nil && language == nil && changesNothingElse }

    /// Nothing beside the session, the caller's language and a ticket.
    private var changesNothingElse: Bool {
        retire == nil && messages.isEmpty && optOut == nil && helpSentAt == nil && !firstContact
            && inbound == nil && chase == nil && surveyAnswer == nil && attachment == nil && field == nil && join == nil && alerts == nil
    }
}

/// At most `limit` reports by USSD and SMS from `msisdn` since `since` (the municipal day's start).
public struct ReportLimit: Sendable, Equatable {
    public var msisdn: MSISDN
    public var limit: Int
    public var since: Date

    public init(msisdn: MSISDN, limit: Int, since: Date) {
        self.msisdn = msisdn
        self.limit = limit
        self.since = since
    }
}

extension ReportLimit {
    /// `limit` reports by USSD and SMS in the municipal day of `now`.
    public static func today(_ msisdn: MSISDN, limit: Int, calendar: MunicipalCalendar, now: Date) -> ReportLimit {
        ReportLimit(msisdn: msisdn, limit: limit, since: calendar.startOfDay(now))
    }
}

public enum HopWriteOutcome: Sendable, Equatable {
    case committed
    /// The caller reached `reportLimit`: nothing was written; plan again knowing it.
    case reportLimitReached
    /// Another request wrote the session after this one read it: read again.
    case sessionChanged
    /// The drawn reference belongs to another ticket: draw again.
    case referenceTaken
}

/// What a hop's read decided, saying whether it writes. A store that answers a read from what it
/// remembers rather than from the database (PostgreSQL's `RememberedSessions`: another instance
/// may have moved the session since) trusts a decision to write, because the write commits only
/// on the session version it was planned on, and checks a decision to only reply against the
/// stored session first. A result that is not a `HopDecision` is always checked.
public protocol HopDecision: Sendable {
    var writes: Bool { get }
}

/// What a hop asks about its caller when its session is new: a store whose every read is a round
/// trip (PostgreSQL) may fetch all of it together with the session, in one.
public struct CallerReads: Sendable {
    /// The session the hop belongs to.
    public var sessionKey: String
    public var msisdn: MSISDN
    /// Where a dropped session may be resumed from (`unfinishedSession(of:since:excluding:)`).
    public var unfinishedSince: Date
    /// The caller's pseudonym, under which an erased number keeps its language and STOP.
    public var pseudonym: @Sendable () -> String?

    public init(sessionKey: String, msisdn: MSISDN, unfinishedSince: Date, pseudonym: @escaping @Sendable () -> String?) {
        (self.sessionKey, self.msisdn, self.unfinishedSince, self.pseudonym) = (sessionKey, msisdn, unfinishedSince, pseudonym)
    }
}

/// The store behind the USSD gateway. A hop reads a snapshot, decides outside any lock, then
/// writes with an optimistic check on the session's version, so a retried request and its
/// original can never both create a ticket, and the single writer does only the writing.
public protocol ConversationStore: Sendable {
    func read<T: Sendable>(_ body: @escaping @Sendable (any ConversationReads) throws -> T) async throws -> T
    /// `read(_:)`, told what a new session's first hop will ask about its caller.
    func read<T: Sendable>(expecting caller: CallerReads, _ body: @escaping @Sendable (any ConversationReads) throws -> T) async throws -> T
    func write(_ hop: HopWrite) async throws -> HopWriteOutcome
    /// Deletes sessions not touched since `before`; returns how many. An SMS report waiting on an
    /// answer (`resumable`, key `sms:…`) stays until it is filed.
    func sweepSessions(updatedBefore before: Date) async throws -> Int
    /// Conversations whose key starts with `prefix`, marked `resumable` (for SMS: a report waits
    /// on an answer), untouched since `before`; the oldest first.
    func idleConversations(prefix: String, updatedBefore before: Date, limit: Int) async throws -> [StoredSession]
    /// Saves sessions the store holds in memory (SQLite's `LiveSessions`), as the server stops.
    func saveHeldSessions() async throws
}

extension ConversationStore {
    public func saveHeldSessions() async throws {}
    public func read<T: Sendable>(expecting caller: CallerReads, _ body: @escaping @Sendable (any ConversationReads) throws -> T) async throws -> T {
        try await read(body)
    }
}

/// A reporter's "it is late", as the store records it in the hop's transaction.
public struct TicketChase: Sendable, Equatable {
    public var reference: Reference
    public var reporter: MSISDN
    /// Raise the ticket to escalation level 1 (it was at 0), telling the MOE's supervisors.
    public var escalate: Bool
    /// By what means: "SMS" or "USSD".
    public var channel: String
    /// The start of the municipal day: one record per ticket per day.
    public var since: Date
    /// Municipal triage's MOE (for the escalation's audience).
    public var triageMOE: String

    public init(reference: Reference, reporter: MSISDN, escalate: Bool, channel: String, since: Date, triageMOE: String) {
        self.reference = reference
        self.reporter = reporter
        self.escalate = escalate
        self.channel = channel
        self.since = since
        self.triageMOE = triageMOE
    }
}
