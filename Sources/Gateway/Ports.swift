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
    /// Dropped here, it may be offered for resumption.
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

/// A new ticket with everything decided at creation: where it goes and what the reporter is told.
public struct NewTicket: Sendable, Equatable {
    public var draft: TicketDraft
    public var destination: Destination
    public var createdAt: Date
    /// The confirmation SMS for the reporter, queued in the same transaction.
    public var confirmation: String?
    /// When it should be resolved: reported + the service's SLA (stored, so queues sort on a column).
    public var dueAt: Date?

    public init(draft: TicketDraft, destination: Destination, createdAt: Date, confirmation: String?, dueAt: Date? = nil) {
        self.dueAt = dueAt
        self.draft = draft
        self.destination = destination
        self.createdAt = createdAt
        self.confirmation = confirmation
    }
}

/// What we know of a phone number beyond its tickets.
public struct Subscriber: Sendable, Equatable {
    public var language: String?
    /// Sent STOP: no message of any kind until START.
    public var optedOut: Bool
    /// When the unknown-text help was last sent, so it goes at most once a day.
    public var lastHelpAt: Date?

    public init(language: String?, optedOut: Bool, lastHelpAt: Date?) {
        self.language = language
        self.optedOut = optedOut
        self.lastHelpAt = lastHelpAt
    }
}

/// An SMS to send, queued in the outbox in the same transaction as what caused it.
public struct OutboundSMS: Sendable, Equatable {
    public var to: MSISDN
    public var body: String
    /// Only the confirmation of STOP itself goes to a number that has opted out.
    public var evenIfOptedOut: Bool

    public init(to: MSISDN, body: String, evenIfOptedOut: Bool = false) {
        self.to = to
        self.body = body
        self.evenIfOptedOut = evenIfOptedOut
    }
}

/// An SMS received, remembered by the provider's id so a retried webhook is handled once.
public struct InboundRecord: Sendable, Equatable {
    public var provider: String
    public var providerID: String?
    public var from: MSISDN
    public var text: String
    public var receivedAt: Date

    public init(provider: String, providerID: String?, from: MSISDN, text: String, receivedAt: Date) {
        self.provider = provider
        self.providerID = providerID
        self.from = from
        self.text = text
        self.receivedAt = receivedAt
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
    func inboundSeen(provider: String, id: String) throws -> Bool
    /// Tickets this number reported itself (USSD or SMS) since `since`: the daily cap counts these.
    func reportsSince(_ msisdn: MSISDN, since: Date) throws -> Int
}

extension ConversationReads {
    /// This number has made `limit` reports by USSD and SMS in the municipal day of `now`.
    public func reachedDailyReports(_ msisdn: MSISDN, limit: Int, calendar: MunicipalCalendar, now: Date) throws -> Bool {
        try reportsSince(msisdn, since: calendar.startOfDay(now)) >= limit
    }
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
    /// The SMS being answered: a second delivery of the same provider id is refused.
    public var inbound: InboundRecord?
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

public enum HopWriteOutcome: Sendable, Equatable {
    case committed
    /// Another request wrote the session after this one read it: read again.
    case sessionChanged
    /// The drawn reference belongs to another ticket: draw again.
    case referenceTaken
}

/// The store behind the USSD gateway. A hop reads a snapshot, decides outside any lock, then
/// writes with an optimistic check on the session's version, so a retried request and its
/// original can never both create a ticket, and the single writer does only the writing.
public protocol ConversationStore: Sendable {
    func read<T: Sendable>(_ body: @escaping @Sendable (any ConversationReads) throws -> T) async throws -> T
    func write(_ hop: HopWrite) async throws -> HopWriteOutcome
    /// Deletes sessions not touched since `before`; returns how many.
    func sweepSessions(updatedBefore before: Date) async throws -> Int
}

/// One reading for /metrics, taken from the store when scraped.
public struct GaugeReading: Sendable, Equatable {
    public var name: String
    public var labels: [String: String]
    public var value: Int

    public init(name: String, labels: [String: String], value: Int) {
        self.name = name
        self.labels = labels
        self.value = value
    }
}

/// What operators watch: tickets by channel and status, the outbox by status, live sessions.
public protocol OperationalStatistics: Sendable {
    func readings() async throws -> [GaugeReading]
}

/// A ticket as open data shows it: public fields, the place, and the description as typed.
public struct PublicRequest: Sendable, Equatable {
    public var ticket: PublicTicket
    public var address: String
    public var description: String

    public init(ticket: PublicTicket, address: String, description: String) {
        self.ticket = ticket
        self.address = address
        self.description = description
    }
}

/// Which tickets a listing wants.
public struct RequestFilter: Sendable, Equatable {
    public struct ServiceMatch: Sendable, Equatable {
        public var service: String
        /// nil: any fault type of the service.
        public var fault: String?
        public init(service: String, fault: String?) {
            self.service = service
            self.fault = fault
        }
    }

    public var references: [Reference] = []
    public var services: [ServiceMatch] = []
    public var start: Date?
    public var end: Date?
    /// true: open statuses only; false: closed only.
    public var open: Bool?
    /// 1-based.
    public var page = 1
    public var pageSize = 50

    public init() {}
}

public protocol RequestListing: Sendable {
    func requests(_ filter: RequestFilter) async throws -> [PublicRequest]
}

/// A community organisation that reports in bulk.
public struct Organisation: Sendable, Equatable {
    public var id: Int64
    public var name: String
    /// The first characters of its key, to tell keys apart without showing them.
    public var keyPrefix: String
    public var createdAt: Date
    public var revokedAt: Date?
    /// Reports (CSV rows and Open311 POSTs) it may file per municipal day.
    public var dailyQuota: Int

    public static let defaultDailyQuota = 50_000

    public init(id: Int64, name: String, keyPrefix: String, createdAt: Date, revokedAt: Date?, dailyQuota: Int = Organisation.defaultDailyQuota) {
        self.id = id
        self.dailyQuota = dailyQuota
        self.name = name
        self.keyPrefix = keyPrefix
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// A report from an organisation (CSV row or Open311 POST), validated and ready to store.
public struct OrganisationReport: Sendable, Equatable {
    public var externalID: String?
    public var ticket: NewTicket

    public init(externalID: String?, ticket: NewTicket) {
        self.externalID = externalID
        self.ticket = ticket
    }
}

/// How many new reports an organisation may still file today, counted in the same transaction
/// that stores them.
public struct DailyQuota: Sendable, Equatable {
    public var limit: Int
    /// The start of the municipal day.
    public var since: Date
    public init(limit: Int, since: Date) {
        self.limit = limit
        self.since = since
    }
}

/// Several confirmations to one number from one upload become one SMS: the number of reports and
/// the first references, in the reporter's language.
public typealias ConfirmationSummary = @Sendable (_ tickets: [NewTicket]) -> String

public protocol OrganisationStore: Sendable {
    /// Creates an organisation; returns it with its new API key, the only time the key exists in clear.
    func add(name: String, dailyQuota: Int, at: Date) async throws -> (Organisation, key: String)
    /// Sets the daily quota by name or id; false when there is no such organisation.
    func setDailyQuota(_ nameOrID: String, to quota: Int) async throws -> Bool
    func list() async throws -> [Organisation]
    /// Revokes by name or id; false when there is no such active organisation.
    func revoke(_ nameOrID: String, at: Date) async throws -> Bool
    /// The active organisation holding `key`.
    func authenticate(key: String) async throws -> Organisation?
    func organisation(named nameOrID: String) async throws -> Organisation?
    /// Stores reports in one transaction. A report whose (organisation, external id) is already
    /// stored creates nothing and returns the existing reference. A ticket whose drawn reference is
    /// taken is replaced by `redraw(ticket)` (a new reference, and its confirmation reworded).
    /// A new report past the organisation's quota for the day is not stored: its entry is nil.
    /// Confirmations to one number are sent as one (`summary`) when there are several.
    func store(_ reports: [OrganisationReport], for organisation: Organisation, quota: DailyQuota,
               redraw: @escaping @Sendable (NewTicket) -> NewTicket, summary: @escaping ConfirmationSummary) async throws -> [Reference?]
}

/// A member of an MOE's staff, or an administrator.
public struct StaffUser: Sendable, Equatable {
    public enum Role: String, Sendable, Equatable, CaseIterable {
        case dispatcher, supervisor, admin
    }

    public var id: Int64
    public var username: String
    public var moe: String
    public var role: Role

    public init(id: Int64, username: String, moe: String, role: Role) {
        self.id = id
        self.username = username
        self.moe = moe
        self.role = role
    }
}

/// A ticket as its MOE works it (no phone number: that needs an audited "show number").
public struct QueueTicket: Sendable, Equatable, Codable {
    public var reference: String
    public var service: String
    public var fault: String
    public var area: String
    public var address: String
    public var description: String
    public var queue: String
    public var status: String
    public var channel: String
    public var publicUpdate: String?
    public var expectedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var moe: String
    /// The crew or person it is assigned to.
    public var assignee: String?
    /// When it should be resolved: the expected date if scheduled, else reported + the service's SLA.
    public var dueAt: Date?
    /// The reference of the ticket this one duplicates.
    public var duplicateOf: String?

    public init(reference: String, service: String, fault: String, area: String, address: String, description: String, queue: String,
                status: String, channel: String, publicUpdate: String?, expectedAt: Date?, createdAt: Date, updatedAt: Date,
                moe: String, assignee: String? = nil, dueAt: Date? = nil, duplicateOf: String? = nil) {
        self.moe = moe
        self.assignee = assignee
        self.dueAt = dueAt
        self.duplicateOf = duplicateOf
        self.reference = reference
        self.service = service
        self.fault = fault
        self.area = area
        self.address = address
        self.description = description
        self.queue = queue
        self.status = status
        self.channel = channel
        self.publicUpdate = publicUpdate
        self.expectedAt = expectedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Staff accounts, MOE tokens, the worklist, ticket actions and console sessions.
public protocol StaffStore: DispatchStore, StaffSessions, StaffAdministration {
    func addUser(username: String, password: String, moe: String, role: StaffUser.Role, at: Date) async throws -> StaffUser
    /// A new API token for an MOE's own systems; returned in clear only now.
    func addToken(moe: String, at: Date) async throws -> String
    /// The MOE a token belongs to.
    func moe(forToken token: String) async throws -> String?
    /// One ticket, only if it belongs to `moe` (or any MOE for nil).
    func ticket(_ reference: Reference, moe: String?) async throws -> QueueTicket?
    /// `address`: the client address the request came from, when there was a request.
    func audit(actor: String, action: String, reference: Reference?, detail: String?, address: String?, at: Date) async throws
}
