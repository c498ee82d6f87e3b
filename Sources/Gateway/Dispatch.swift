import Domain
import FlowEngine
import Foundation

/// What the console and the MOE API ask of a ticket store: a scoped worklist, one ticket with its
/// history, and actions that change a ticket, its history, its reporters' SMS and the audit log in
/// one transaction. `scope` is the MOE the caller works for; nil only for an administrator.

/// Which tickets a dispatcher is looking at.
public struct WorklistQuery: Sendable, Equatable {
    public enum Sort: String, Sendable, CaseIterable {
        case oldest, newest, due, area, status, service
    }

    /// The statuses of tickets still being worked.
    public static let open: [TicketStatus] = TicketStatus.allCases.filter(\.isOpen)

    public var scope: String?
    /// nil: every open status.
    public var statuses: [TicketStatus]?
    public var service: String?
    public var area: String?
    public var overdue = false
    /// Only open tickets escalated past a service-level target.
    public var escalated = false
    /// Only the tickets linked to this incident.
    public var incident: Int64?
    /// Only the open tickets filed as possible duplicates of another and not merged yet.
    public var possibleDuplicates = false
    public var sort: Sort = .oldest
    public var page = 1
    public var pageSize = 50

    public init(scope: String?) { self.scope = scope }
}

/// One page of a worklist, with the counts per status of everything in scope (all filters but status).
public struct Worklist: Sendable {
    public var tickets: [QueueTicket]
    public var total: Int
    public var counts: [TicketStatus: Int]
    /// Open possible duplicates waiting on a dispatcher, in scope (with every filter but status).
    public var possibleDuplicates = 0

    public init(tickets: [QueueTicket], total: Int, counts: [TicketStatus: Int]) {
        self.tickets = tickets
        self.total = total
        self.counts = counts
    }
}

/// One entry of a ticket's history timeline.
public struct TicketEvent: Sendable, Equatable {
    public var at: Date
    public var kind: TicketEventKind
    public var fromStatus: TicketStatus?
    public var toStatus: TicketStatus?
    public var note: String?
    public var isPublic: Bool
    public var actor: String

    public init(at: Date, kind: TicketEventKind, fromStatus: TicketStatus?, toStatus: TicketStatus?, note: String?, isPublic: Bool, actor: String) {
        self.at = at
        self.kind = kind
        self.fromStatus = fromStatus
        self.toStatus = toStatus
        self.note = note
        self.isPublic = isPublic
        self.actor = actor
    }
}

/// A ticket as its page shows it.
public struct TicketFile: Sendable {
    public var ticket: QueueTicket
    public var history: [TicketEvent]
    /// References marked as duplicates of this ticket.
    public var duplicates: [String]
    /// Distinct phone numbers told of a public update (this ticket's and its duplicates').
    public var reporters: Int
    public var reporter: MSISDN?
    /// What a front end said about the person (e-mail, names, photo): shown masked until "Show number".
    public var details: ReporterDetails?

    public init(ticket: QueueTicket, history: [TicketEvent], duplicates: [String], reporters: Int, reporter: MSISDN?, details: ReporterDetails? = nil) {
        self.details = details
        self.ticket = ticket
        self.history = history
        self.duplicates = duplicates
        self.reporters = reporters
        self.reporter = reporter
    }
}

/// What came of an action.
public enum ActionOutcome: Sendable, Equatable {
    case done
    /// No such ticket in the caller's scope (shown as a 404).
    case notFound
    /// Understood but not allowed, with the reason for the dispatcher.
    case refused(String)
    /// No crew of that name in the ticket's MOE (shown as a 404 naming it).
    case noSuchCrew(String)
}

/// Words the SMS a reporter gets when a ticket they reported changes publicly: their own
/// reference and what the domain decided to tell them (a status and update, or a merge), in their language.
public typealias NoticeWording = @Sendable (_ reference: Reference, _ notice: TicketNotice, _ language: String) -> String

/// For actions that tell no reporter anything (escalate, reopen): their wording is never asked for.
public let noReporterNotice: NoticeWording = { _, _, _ in "" }

/// The console's and the MOE API's reads of tickets; their changes go through the `TicketDesk`.
public protocol DispatchStore: TicketLedger {
    func worklist(_ query: WorklistQuery, now: Date) async throws -> Worklist
    func file(_ reference: Reference, scope: String?) async throws -> TicketFile?
    /// One ticket, only if it belongs to `moe` (or any MOE for nil).
    func ticket(_ reference: Reference, moe: String?) async throws -> QueueTicket?
}

extension FlowEngine {
    /// The notice wording every dispatch action uses.
    public var noticeWording: NoticeWording {
        { [self] reference, notice, language in
            switch notice {
            case .status(let status, let update): statusNotice(reference: reference, status: status, update: update, language: language)
            case .merged(let master): mergedNotice(reference: reference, into: master, language: language)
            case .onSite, .fixed: fieldNotice(reference: reference, notice, language: language)
            }
        }
    }
}

/// When a ticket is due, as both stores work it out in SQL (`t` is the ticket): while scheduled,
/// the expected date given to the resident (its service-level clock is paused); otherwise the
/// service level's target, stored at creation and moved on by any pause.
public enum DueDate {
    public static let sql = "CASE WHEN t.status = 'scheduled' THEN COALESCE(t.expected_at, t.due_at) ELSE t.due_at END"
}
