import Domain
import Foundation

/// A member of an MOE's staff, an administrator, or a member of a community organisation.
public struct StaffUser: Sendable, Equatable {
    public enum Role: String, Sendable, Equatable, CaseIterable {
        case dispatcher, supervisor, admin
        /// Sees its organisation's reports and uploads, nothing of any MOE's queue.
        case organisation
    }

    public var id: Int64
    public var username: String
    public var scope: StaffScope
    public var role: Role

    public init(id: Int64, username: String, scope: StaffScope, role: Role) {
        self.id = id
        self.username = username
        self.scope = scope
        self.role = role
    }

    /// The MOE whose queues an MOE's staff work; for an organisation's member, a code no MOE has
    /// (empty), so no queue or ticket read by MOE ever matches it.
    public var moe: String { if case .moe(let code) = scope { code } else { "" } }

    /// The organisation an `organisation` member belongs to.
    public var organisation: Int64? {
        guard role == .organisation, case .organisation(let id) = scope else { return nil }
        return id
    }
}

/// Whose work a console account sees: one MOE's (its staff; an administrator's home MOE), or one
/// community organisation's reports and uploads.
public enum StaffScope: Sendable, Hashable, CustomStringConvertible {
    case moe(String)
    case organisation(Int64)

    /// As the CLI lists accounts: the MOE's code, or `org:<id>`.
    public var description: String {
        switch self {
        case .moe(let code): code
        case .organisation(let id): "org:\(id)"
        }
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
    public var status: TicketStatus
    public var channel: String
    public var publicUpdate: String?
    public var expectedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var moe: String
    /// The crew or person it is assigned to.
    public var assignee: String?
    /// When it should be resolved: the expected date while scheduled, else the service level's target (`DueDate`).
    public var dueAt: Date?
    /// The reference of the ticket this one duplicates.
    public var duplicateOf: String?
    /// 0, or how far it has been escalated (1: past a target; 2: past twice a target).
    public var escalationLevel: Int
    /// The incident it is linked to.
    public var incident: Int64?
    public var priority: TicketPriority
    /// The crew it is assigned to, if any.
    public var crew: String?
    /// Why the crew could not fix it, until it is assigned again.
    public var fieldFlag: String?
    /// The open ticket an organisation's or Open311 report likely repeats, until a dispatcher merges it or not.
    public var possibleDuplicateOf: String?

    public init(reference: String, service: String, fault: String, area: String, address: String, description: String, queue: String,
                status: TicketStatus, channel: String, publicUpdate: String?, expectedAt: Date?, createdAt: Date, updatedAt: Date,
                moe: String, assignee: String? = nil, dueAt: Date? = nil, duplicateOf: String? = nil, escalationLevel: Int = 0,
                incident: Int64? = nil, priority: TicketPriority = .normal, crew: String? = nil, fieldFlag: String? = nil) {
        (self.crew, self.fieldFlag) = (crew, fieldFlag)
        self.priority = priority
        self.incident = incident
        self.escalationLevel = escalationLevel
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

/// Console accounts.
public protocol StaffAccounts: Sendable {
    /// An organisation's member: role `organisation`, scope `.organisation(id)`.
    func addUser(username: String, password: String, scope: StaffScope, role: StaffUser.Role, at: Date) async throws -> StaffUser
}

/// API tokens for MOEs' own systems.
public protocol MOETokens: Sendable {
    /// A new API token for an MOE's own systems; returned in clear only now.
    func addToken(moe: String, at: Date) async throws -> String
    /// The MOE a token belongs to.
    func moe(forToken token: String) async throws -> String?
}

/// Everything the console, the MOE API and the CLI need of staff, as one store.
public protocol StaffStore: DispatchStore, StaffSessions, StaffAccounts, StaffAdministration, MOETokens, AuditLog, EscalationStore, StaffMailbox, SurveyStore, IndicatorRows, DailyFigureStore, IncidentStore,
                                OpenDataSource, CrewRoster, DuplicateFinder, WebhookStore, AreaAlertStore {}

extension QueueTicket {
    /// Open and past 80 % of the time from report to its due date (not yet overdue).
    public func isDueSoon(at now: Date) -> Bool {
        guard let due = dueAt, status.isOpen, now < due else { return false }
        return now.timeIntervalSince(createdAt) >= 0.8 * due.timeIntervalSince(createdAt)
    }

    /// Still open and past its due date.
    public func isOverdue(at now: Date) -> Bool {
        status.isOpen && (dueAt.map { $0 < now } ?? false)
    }
}
