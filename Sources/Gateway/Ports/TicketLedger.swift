import Domain
import Foundation

/// A ticket as the desk decides on it: its id in the store and what the rules need.
public struct TicketRecord: Sendable, Equatable {
    public var id: Int64
    public var state: TicketState
    /// Where it is, as reported (for a crew's job card).
    public var area: String?
    public var address: String?

    public init(id: Int64, state: TicketState, area: String? = nil, address: String? = nil) {
        (self.id, self.state, self.area, self.address) = (id, state, area, address)
    }
}

/// Someone who reported a ticket or one of its duplicates, told of it by SMS with their own reference.
public struct TicketReporter: Sendable, Equatable {
    public var ticketID: Int64
    public var reference: Reference
    public var msisdn: MSISDN
    public var language: String

    public init(ticketID: Int64, reference: Reference, msisdn: MSISDN, language: String) {
        (self.ticketID, self.reference, self.msisdn, self.language) = (ticketID, reference, msisdn, language)
    }
}

/// An active supervisor who may hear of an escalation, by SMS and/or e-mail.
public struct Supervisor: Sendable, Equatable {
    public var moe: String
    public var head: Bool
    public var phone: MSISDN?
    public var email: String?

    public init(moe: String, head: Bool, phone: MSISDN?, email: String?) { (self.moe, self.head, self.phone, self.email) = (moe, head, phone, email) }
}

/// What the desk reads before it decides, all in the transaction that writes the outcome.
public struct TicketSnapshot: Sendable {
    public var ticket: TicketRecord
    /// For a merge: the top of the named ticket's chain (within the caller's scope).
    public var master: TicketRecord?
    /// The ticket's reporters and its duplicates', the ticket's own first, one per number.
    public var reporters: [TicketReporter]
    /// The supervisors of the ticket's MOE and of municipal triage, by username.
    public var supervisors: [Supervisor]

    public init(ticket: TicketRecord, master: TicketRecord?, reporters: [TicketReporter], supervisors: [Supervisor]) {
        (self.ticket, self.master, self.reporters, self.supervisors) = (ticket, master, reporters, supervisors)
    }
}

/// An SMS queued by a ticket's change, counted against that ticket.
public struct TicketMessage: Sendable, Equatable {
    public var ticketID: Int64
    public var sms: OutboundSMS

    public init(ticketID: Int64, sms: OutboundSMS) { (self.ticketID, self.sms) = (ticketID, sms) }
}

/// An e-mail to a member of staff (an escalation), sent by the mail sender.
public struct StaffMailDraft: Sendable, Equatable {
    public var address: String
    public var subject: String
    public var body: String

    public init(address: String, subject: String, body: String) { (self.address, self.subject, self.body) = (address, subject, body) }
}

/// The audit log's entry for an action on a ticket.
public struct TicketAudit: Sendable, Equatable {
    public var action: AuditAction
    public var detail: String?
    /// The client address the action came from; nil from inside (a job, a reporter's SMS).
    public var address: String?

    public init(action: AuditAction, detail: String?, address: String? = nil) { (self.action, self.detail, self.address) = (action, detail, address) }
}

/// One decided action on one ticket, worded and ready to write: the ticket's columns, its
/// history (and its master's), the SMS and e-mail it causes and the audit entry. The store writes
/// all of it in one transaction or none of it; it decides and words nothing.
public struct TicketWork: Sendable, Equatable {
    public var ticket: TicketRecord
    public var masterID: Int64?
    public var changes: TicketChanges
    public var messages: [TicketMessage] = []
    public var mails: [StaffMailDraft] = []
    public var audit: TicketAudit
    public var actor: String
    public var at: Date

    public init(ticket: TicketRecord, masterID: Int64?, changes: TicketChanges, audit: TicketAudit, actor: String, at: Date) {
        (self.ticket, self.masterID, self.changes, self.audit, self.actor, self.at) = (ticket, masterID, changes, audit, actor, at)
    }
}

/// Where ticket work is read and written, in one transaction per change.
public protocol TicketLedger: Sendable {
    /// Reads ticket `reference` within `scope` (nil: any MOE), with the top of `master`'s chain
    /// when one is named, its reporters and the supervisors of its MOE and of `triageMOE`; hands
    /// them to `plan` and writes the work it returns before the transaction ends. nil: no such
    /// ticket in scope (`plan` is not called).
    func change<R: Sendable>(_ reference: Reference, scope: String?, master: Reference?, triageMOE: String,
                             _ plan: @escaping @Sendable (TicketSnapshot) -> (work: [TicketWork], result: R)) async throws -> R?
    /// As `change`, with the crew named `crew` in the ticket's MOE (nil: it has none of that name).
    func assigning<R: Sendable>(crew: String, to reference: Reference, scope: String?, triageMOE: String,
                                _ plan: @escaping @Sendable (TicketSnapshot, Crew?) -> (work: [TicketWork], result: R)) async throws -> R?
}
