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
    public var createdAt: Date
    public var updatedAt: Date

    public init(key: String, msisdn: MSISDN, serviceCode: String, session: Session, lastText: String?, lastReply: UssdReply?,
                resumable: Bool, createdAt: Date, updatedAt: Date) {
        self.key = key
        self.msisdn = msisdn
        self.serviceCode = serviceCode
        self.session = session
        self.lastText = lastText
        self.lastReply = lastReply
        self.resumable = resumable
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

    public init(draft: TicketDraft, destination: Destination, createdAt: Date, confirmation: String?) {
        self.draft = draft
        self.destination = destination
        self.createdAt = createdAt
        self.confirmation = confirmation
    }
}

/// Everything one USSD hop reads and writes, inside one database transaction.
public protocol UssdTransaction {
    func session(key: String) throws -> StoredSession?
    /// The newest resumable session of this caller updated since `since`, other than `excluding`.
    func unfinishedSession(of msisdn: MSISDN, since: Date, excluding key: String) throws -> StoredSession?
    func language(of msisdn: MSISDN) throws -> String?
    func referenceExists(_ reference: Reference) throws -> Bool
    func publicTicket(_ reference: Reference) throws -> PublicTicket?
    func recentTickets(of msisdn: MSISDN, limit: Int) throws -> [PublicTicket]

    func save(_ session: StoredSession) throws
    /// Stops a session being offered for resumption again.
    func retire(sessionKey: String) throws
    func setLanguage(_ code: String, for msisdn: MSISDN, at: Date) throws
    /// Stores the ticket, its first history row and its confirmation in the outbox.
    func create(_ ticket: NewTicket) throws
}

/// The store behind the USSD gateway. `hop` runs its body in one serialised write transaction,
/// so a retried request and its original can never both create a ticket.
public protocol UssdStore: Sendable {
    func hop<T: Sendable>(_ body: @escaping @Sendable (any UssdTransaction) throws -> T) async throws -> T
    /// Deletes sessions not touched since `before`; returns how many.
    func sweepSessions(updatedBefore before: Date) async throws -> Int
}
