import Foundation

/// Something a dispatcher (or an MOE's system) does to a ticket.
public enum TicketAction: Sendable, Equatable {
    /// Seen and accepted; the reporters are told.
    case acknowledge
    /// Given to a crew or person; the reporters are told it is assigned (not to whom).
    case assign(to: String)
    /// A new status with either a public update (SMS to every reporter) or an internal note (no SMS).
    case status(TicketStatus, publicUpdate: String?, internalNote: String?, expectedAt: Date?)
    /// Not ours: moved to another MOE's queue as new, with the reason kept.
    case reroute(moe: String, queue: String, reason: String)
    /// The same fault as `master`: its reporters are told with the master's updates from now on.
    case duplicate(of: Reference)
    /// Past its service-level target (level 1) or twice it (level 2): the people above are told.
    case escalate(level: Int, reason: String)
    /// A reporter says a resolved ticket is not fixed (answered 0 to the survey): back to work.
    case reopen(reason: String)
    /// A resident's words from a front end (FixMyStreet), for the dispatcher; `reopen` puts a
    /// resolved ticket back to work. Not sent back out as a public update.
    case residentUpdate(text: String, reopen: Bool)
    /// Raised to urgent or lowered to normal by a dispatcher, with the reason kept.
    case prioritise(TicketPriority, reason: String)
    /// Given to one of the MOE's crews (`Crew`): its members get the job card.
    case assignCrew(id: Int64, name: String)
    /// A crew member's report from the site, taken only from the crew the ticket is assigned to.
    case field(FieldReport, crew: Int64)
    /// The crew was removed: its open job goes back to the queue, unassigned.
    case releaseCrew(name: String)

    /// How the audit log names it.
    public var name: String {
        switch self {
        case .acknowledge: "acknowledge"
        case .assign: "assign"
        case .status(let s, _, _, _): "status \(s.rawValue)"
        case .reroute: "reroute"
        case .duplicate: "mark duplicate"
        case .escalate(let level, _): "escalate level \(level)"
        case .reopen: "reopen"
        case .residentUpdate: "resident update"
        case .prioritise(let p, _): "priority \(p.rawValue)"
        case .assignCrew: "assign"
        case .field(let report, _): "field \(report.name)"
        case .releaseCrew: "crew removed"
        }
    }

    /// What the audit log says beside the name.
    public var auditDetail: String? {
        switch self {
        case .acknowledge: nil
        case .assign(let to): "to \(to)"
        case .status(_, let publicUpdate, let note, let expected):
            [publicUpdate.map { "public update: \($0)" }, note.map { "internal note: \($0)" },
             expected.map { "expected \(ISO8601DateFormatter.string(from: $0, timeZone: .gmt, formatOptions: [.withFullDate]))" }]
                .compactMap { $0 }.joined(separator: "; ")
        case .reroute(let moe, let queue, let reason): "to \(moe)/\(queue): \(reason)"
        case .duplicate(let master): "of \(master.grouped)"
        case .escalate(_, let reason): reason
        case .reopen(let reason): reason
        case .residentUpdate(let text, let reopen): reopen ? "reopen: \(text)" : text
        case .prioritise(_, let reason): reason
        case .assignCrew(_, let name): "to crew \(name)"
        case .field(.done(let note?), _), .field(.cannotFix(let note), _): note
        case .field: nil
        case .releaseCrew(let name): "crew \(name) removed"
        }
    }
}

/// What the rules need to know of a ticket.
public struct TicketState: Sendable, Equatable {
    public var reference: Reference
    public var status: TicketStatus
    public var moe: String
    public var queue: String
    public var expectedAt: Date?
    /// The ticket this one duplicates, if any.
    public var duplicateOf: Reference?
    /// What its service-level clock needs: the service and fault type, the targets, and since
    /// when the clock has been paused (while scheduled).
    public var service: String
    public var fault: String?
    public var dueAt: Date?
    public var acknowledgeDueAt: Date?
    public var pausedAt: Date?
    /// 0, or the highest escalation so far (1: past a target, 2: past twice a target).
    public var escalationLevel: Int
    public var priority: TicketPriority
    /// The crew it is assigned to, if any, and whether that crew said it is on site.
    public var crewID: Int64?
    public var onSite: Bool

    public init(reference: Reference, status: TicketStatus, moe: String, queue: String, expectedAt: Date?, duplicateOf: Reference?,
                service: String = "", fault: String? = nil, dueAt: Date? = nil, acknowledgeDueAt: Date? = nil, pausedAt: Date? = nil,
                escalationLevel: Int = 0, priority: TicketPriority = .normal, crewID: Int64? = nil, onSite: Bool = false) {
        (self.crewID, self.onSite) = (crewID, onSite)
        self.priority = priority
        self.escalationLevel = escalationLevel
        self.reference = reference
        self.status = status
        self.moe = moe
        self.queue = queue
        self.expectedAt = expectedAt
        self.duplicateOf = duplicateOf
        self.service = service
        self.fault = fault
        self.dueAt = dueAt
        self.acknowledgeDueAt = acknowledgeDueAt
        self.pausedAt = pausedAt
    }
}

/// The kinds of entry in a ticket's history.
public enum TicketEventKind: String, Sendable, Equatable, CaseIterable {
    case created, status, assigned, rerouted, duplicate, merged, escalated
    /// A reporter said it is late (LATE by SMS, or from USSD track).
    case chased
    /// A reporter said a resolved ticket is not fixed.
    case reopened
    /// A resident wrote through a front end (FixMyStreet's update); it may reopen a resolved ticket.
    case residentUpdate = "resident_update"
    /// Raised to urgent or lowered to normal.
    case priority
    /// The crew said it is at the fault.
    case onSite = "on_site"
    /// The crew could not fix it: back in the queue, flagged.
    case cannotFix = "cannot_fix"
    /// The crew was removed: back in the queue, unassigned.
    case crewReleased = "crew_released"
    /// Another resident reported it and was added to it ("Add me to it"), without a ticket of their own.
    case reporterAdded = "reporter_added"
    /// Filed by an organisation or Open311 as likely the same fault as an open ticket: linked for a dispatcher.
    case possibleDuplicate = "possible_duplicate"
}

/// One history entry a decision writes.
public struct TicketEventRecord: Sendable, Equatable {
    public var kind: TicketEventKind
    public var from: TicketStatus?
    public var to: TicketStatus?
    public var note: String?
    public var isPublic: Bool

    public init(kind: TicketEventKind, from: TicketStatus?, to: TicketStatus?, note: String?, isPublic: Bool) {
        self.kind = kind
        self.from = from
        self.to = to
        self.note = note
        self.isPublic = isPublic
    }
}

/// Who hears of a change, and what.
public enum TicketNotice: Sendable, Equatable {
    /// Every reporter of the ticket and of its duplicates: the new status, with the update if any.
    case status(TicketStatus, update: String?)
    /// The ticket's reporters (and its duplicates'): it is now part of `master`.
    case merged(into: Reference)
    /// Every reporter: a crew is at the fault.
    case onSite
    /// Every reporter: the crew fixed it, with what was done if they said.
    case fixed(note: String?)

    /// Told to the reporters the ticket had before the change (a merge moves them to the master).
    public var isMerge: Bool { if case .merged = self { true } else { false } }
}

/// Everything an action changes, decided before anything is written. The store applies it in one
/// transaction: the ticket's columns, its history, the reporters' SMS and the audit entry.
public struct TicketChanges: Sendable, Equatable {
    public enum Assignee: Sendable, Equatable {
        case set(String)
        case clear
    }

    public enum CrewChange: Sendable, Equatable {
        case set(Int64)
        case clear
    }

    public enum Flag: Sendable, Equatable {
        /// A crew could not fix it: the reason, shown in the queue until it is assigned again.
        case set(String)
        case clear
    }

    public var status: TicketStatus?
    public var assignee: Assignee?
    /// Kept as the last public update (shown by Track and Open311).
    public var publicUpdate: String?
    public var expectedAt: Date?
    /// To another MOE's queue, with the ticket's duplicates.
    public var move: (moe: String, queue: String)?
    /// No longer a duplicate of anything.
    public var detach = false
    /// Now a duplicate of this master; the ticket's own duplicates follow it to the master.
    public var duplicateOf: Reference?
    public var event: TicketEventRecord
    /// An entry in the master's history.
    public var masterEvent: TicketEventRecord?
    public var notice: TicketNotice?
    /// The service-level clock: new targets, and whether it pauses (the time) or runs again.
    public var dueAt: Date?
    public var acknowledgeDueAt: Date?
    public var pause: ClockPause?
    /// The new escalation level, and who above is told.
    public var escalationLevel: Int?
    public var priority: TicketPriority?
    /// The crew it is assigned to (its members get the job card), and since when.
    public var crew: CrewChange?
    /// The crew said it is on site now.
    public var onSite = false
    public var flag: Flag?
    /// Told to the MOE's supervisors (a crew could not fix it).
    public var supervisorNote: String?

    public enum ClockPause: Sendable, Equatable {
        case since(Date)
        case resumed
    }

    public static func == (a: TicketChanges, b: TicketChanges) -> Bool {
        a.dueAt == b.dueAt && a.acknowledgeDueAt == b.acknowledgeDueAt && a.pause == b.pause && a.escalationLevel == b.escalationLevel
            && a.status == b.status && a.assignee == b.assignee && a.publicUpdate == b.publicUpdate && a.expectedAt == b.expectedAt
            && a.move?.moe == b.move?.moe && a.move?.queue == b.move?.queue && a.detach == b.detach
            && a.duplicateOf == b.duplicateOf && a.event == b.event && a.masterEvent == b.masterEvent && a.notice == b.notice
            && a.priority == b.priority && a.crew == b.crew && a.onSite == b.onSite && a.flag == b.flag && a.supervisorNote == b.supervisorNote
    }

    /// A change that only writes a history entry (a reporter's chase, for one).
    public init(event: TicketEventRecord) { self.event = event }
}

/// Why an action was refused, in words for the dispatcher.
public enum TicketRefusal: Error, Equatable, CustomStringConvertible {
    case notOpen(TicketStatus)
    case assigneeMissing
    case useRerouteOrDuplicate
    case scheduledWithoutDate
    case reasonMissing
    case sameQueue(String)
    case noSuchMaster(Reference, moe: String)
    case duplicateOfItself
    case alreadyEscalated(Int)
    case notResolved(TicketStatus)
    case updateMissing
    case samePriority(TicketPriority)
    case priorityReasonMissing
    case notThisCrew(Reference)
    case alreadyOnSite(Reference)
    case sameCrew(String)
    case cannotFixReasonMissing
    case noCrew

    public var description: String {
        switch self {
        case .notOpen(let s): "This ticket is \(s.rawValue); reopen it with a status change first."
        case .assigneeMissing: "Name a crew or person (up to 80 characters)."
        case .useRerouteOrDuplicate: "Use re-route or mark duplicate for that."
        case .scheduledWithoutDate: "A scheduled ticket needs an expected date."
        case .reasonMissing: "Say why it is not yours: the other MOE reads the reason."
        case .sameQueue(let q): "The ticket is already in \(q)."
        case .noSuchMaster(let r, let moe): "There is no ticket \(r.grouped) in the queues of \(moe)."
        case .duplicateOfItself: "A ticket cannot be a duplicate of itself."
        case .alreadyEscalated(let level): "This ticket is already escalated to level \(level)."
        case .notResolved(let s): "This ticket is \(s.rawValue), not resolved."
        case .updateMissing: "An update needs a description."
        case .samePriority(let p): "This ticket is already \(p.rawValue)."
        case .priorityReasonMissing: "Say why the priority changes: the crews and the audit log read the reason."
        case .notThisCrew(let r): "Ticket \(r.grouped) is not assigned to this crew."
        case .alreadyOnSite(let r): "The crew is already on site for \(r.grouped)."
        case .sameCrew(let name): "This ticket is already assigned to crew \(name)."
        case .cannotFixReasonMissing: "Say why it cannot be fixed: the dispatchers read the reason."
        case .noCrew: "This ticket has no crew."
        }
    }
}

extension TicketState {
    /// The rules of a ticket's life. `master` is, for `duplicate`, the ticket at the top of the
    /// named ticket's chain (nil if there is none); a ticket and its master are always in one MOE.
    /// With `levels`, the decision also moves the service-level clock at `now`: it pauses while
    /// the ticket is scheduled (the targets move on by the time it was paused, counted on the
    /// service's calendar), and a re-route restarts it where the catalogue says so.
    public func decide(_ action: TicketAction, master: TicketState? = nil, now: Date, levels: ServiceLevels) -> Result<TicketChanges, TicketRefusal> {
        decide(action, master: master).map { changes in
            var c = changes
            moveClock(&c, now: now, levels: levels)
            return c
        }
    }

    func moveClock(_ c: inout TicketChanges, now: Date, levels: ServiceLevels) {
        let level = levels.level(service: service, fault: fault)
        let next = c.status ?? status
        if let pausedAt, next != .scheduled {
            let lost = levels.counted(from: pausedAt, to: now, calendar: level.calendar, moe: moe)
            c.dueAt = dueAt.map { levels.add(seconds: lost, to: $0, calendar: level.calendar, moe: moe) }
            c.acknowledgeDueAt = acknowledgeDueAt.map { levels.add(seconds: lost, to: $0, calendar: level.calendar, moe: moe) }
            c.pause = .resumed
        } else if pausedAt == nil, next == .scheduled {
            c.pause = .since(now)
        }
        if let move = c.move, move.moe != moe, level.restartsOnReroute {
            let targets = levels.targets(service: service, fault: fault, moe: move.moe, from: now)
            (c.dueAt, c.acknowledgeDueAt) = (targets.resolve, targets.acknowledge)
        }
    }

    public func decide(_ action: TicketAction, master: TicketState? = nil) -> Result<TicketChanges, TicketRefusal> {
        func entry(_ kind: TicketEventKind, to: TicketStatus?, note: String?, isPublic: Bool) -> TicketEventRecord {
            TicketEventRecord(kind: kind, from: status, to: to, note: note, isPublic: isPublic)
        }
        switch action {
        case .acknowledge:
            guard status.isOpen else { return .failure(.notOpen(status)) }
            var c = TicketChanges(event: entry(.status, to: .acknowledged, note: nil, isPublic: true))
            c.status = .acknowledged
            c.notice = .status(.acknowledged, update: nil)
            return .success(c)
        case .assign(let name):
            let assignee = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !assignee.isEmpty, assignee.count <= 80 else { return .failure(.assigneeMissing) }
            guard status.isOpen else { return .failure(.notOpen(status)) }
            // Assigning a ticket nobody has started moves it on; one already under way keeps its status.
            let starts = [.new, .acknowledged].contains(status)
            var c = TicketChanges(event: entry(.assigned, to: starts ? .assigned : status, note: "to \(assignee)", isPublic: false))
            c.assignee = .set(assignee)
            if crewID != nil { (c.crew, c.flag) = (.clear, .clear) }
            if starts {
                c.status = .assigned
                c.notice = .status(.assigned, update: nil)
            }
            return .success(c)
        case .status(let next, let publicUpdate, let internalNote, let expected):
            guard next != .new, next != .duplicate else { return .failure(.useRerouteOrDuplicate) }
            guard next != .scheduled || (expected ?? expectedAt) != nil else { return .failure(.scheduledWithoutDate) }
            var c = TicketChanges(event: entry(.status, to: next, note: publicUpdate ?? internalNote, isPublic: publicUpdate != nil))
            c.status = next
            c.publicUpdate = publicUpdate
            c.expectedAt = expected
            if let publicUpdate { c.notice = .status(next, update: publicUpdate) }
            return .success(c)
        case .reroute(let moe, let queue, let why):
            let reason = why.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !reason.isEmpty else { return .failure(.reasonMissing) }
            guard queue != self.queue else { return .failure(.sameQueue(queue)) }
            // New work for the other MOE. A ticket that was a duplicate leaves its master behind.
            var c = TicketChanges(event: entry(.rerouted, to: .new, note: "from \(self.moe)/\(self.queue) to \(moe)/\(queue): \(reason)", isPublic: false))
            c.status = .new
            c.assignee = .clear
            if crewID != nil { c.crew = .clear }
            c.move = (moe, queue)
            c.detach = duplicateOf != nil
            return .success(c)
        case .duplicate(let named):
            guard let master, master.moe == moe else { return .failure(.noSuchMaster(named, moe: moe)) }
            guard master.reference != reference else { return .failure(.duplicateOfItself) }
            var c = TicketChanges(event: entry(.duplicate, to: .duplicate, note: "duplicate of \(master.reference.grouped)", isPublic: false))
            c.status = .duplicate
            c.assignee = .clear
            if crewID != nil { c.crew = .clear }
            c.duplicateOf = master.reference
            c.masterEvent = TicketEventRecord(kind: .merged, from: nil, to: nil, note: "\(reference.grouped) merged in", isPublic: false)
            c.notice = .merged(into: master.reference)
            return .success(c)
        case .escalate(let level, let reason):
            guard status.isOpen else { return .failure(.notOpen(status)) }
            guard (1...2).contains(level), level > escalationLevel else { return .failure(.alreadyEscalated(escalationLevel)) }
            var c = TicketChanges(event: entry(.escalated, to: status, note: "level \(level): \(reason)", isPublic: false))
            c.escalationLevel = level
            return .success(c)
        case .reopen(let reason):
            guard status == .resolved else { return .failure(.notResolved(status)) }
            var c = TicketChanges(event: entry(.reopened, to: .acknowledged, note: reason, isPublic: false))
            c.status = .acknowledged
            return .success(c)
        case .residentUpdate(let text, let reopen):
            let note = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let reopens = reopen && status == .resolved
            guard !note.isEmpty || reopens else { return .failure(.updateMissing) }
            var c = TicketChanges(event: entry(.residentUpdate, to: reopens ? .acknowledged : nil, note: String(note.prefix(2000)), isPublic: false))
            if reopens { c.status = .acknowledged }
            return .success(c)
        case .prioritise(let next, let why):
            let reason = why.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !reason.isEmpty else { return .failure(.priorityReasonMissing) }
            guard status.isOpen else { return .failure(.notOpen(status)) }
            guard next != priority else { return .failure(.samePriority(next)) }
            var c = TicketChanges(event: entry(.priority, to: status, note: "\(next.rawValue): \(String(reason.prefix(300)))", isPublic: false))
            c.priority = next
            return .success(c)
        case .assignCrew(let id, let name):
            guard status.isOpen else { return .failure(.notOpen(status)) }
            guard crewID != id else { return .failure(.sameCrew(name)) }
            let starts = [.new, .acknowledged].contains(status)
            let next: TicketStatus = starts || onSite ? .assigned : status
            var c = TicketChanges(event: entry(.assigned, to: next, note: "to crew \(name)", isPublic: false))
            (c.assignee, c.crew, c.flag) = (.set(name), .set(id), .clear)
            if next != status { c.status = next }
            if starts { c.notice = .status(.assigned, update: nil) }
            return .success(c)
        case .releaseCrew(let name):
            guard crewID != nil else { return .failure(.noCrew) }
            guard status.isOpen else { return .failure(.notOpen(status)) }
            let next: TicketStatus = [.assigned, .inProgress].contains(status) ? .acknowledged : status
            var c = TicketChanges(event: entry(.crewReleased, to: next, note: "crew \(name) removed: back in the queue, unassigned", isPublic: false))
            (c.assignee, c.crew) = (.clear, .clear)
            if next != status { c.status = next }
            return .success(c)
        case .field(let report, let crew):
            guard crewID == crew else { return .failure(.notThisCrew(reference)) }
            guard status.isOpen else { return .failure(.notOpen(status)) }
            switch report {
            case .onSite:
                guard !onSite else { return .failure(.alreadyOnSite(reference)) }
                var c = TicketChanges(event: entry(.onSite, to: .inProgress, note: "the crew is on site", isPublic: true))
                if status != .inProgress { c.status = .inProgress }
                c.onSite = true
                c.notice = .onSite
                return .success(c)
            case .done(let said):
                let note = said.map { String(PublicText.scrub($0.trimmingCharacters(in: .whitespacesAndNewlines)).prefix(160)) }.flatMap { $0.isEmpty ? nil : $0 }
                var c = TicketChanges(event: entry(.status, to: .resolved, note: note ?? "fixed by the crew", isPublic: true))
                c.status = .resolved
                c.publicUpdate = note
                c.notice = .fixed(note: note)
                return .success(c)
            case .cannotFix(let why):
                let reason = String(why.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300))
                guard !reason.isEmpty else { return .failure(.cannotFixReasonMissing) }
                var c = TicketChanges(event: entry(.cannotFix, to: .acknowledged, note: reason, isPublic: false))
                c.status = .acknowledged
                (c.assignee, c.crew, c.flag) = (.clear, .clear, .set(reason))
                c.supervisorNote = "Ticket \(reference.grouped): the crew could not fix it: \(reason). It is back in the queue."
                return .success(c)
            }
        }
    }
}

extension TicketState {
    /// The ticket as a decision leaves it, for a second decision in the same unit of work.
    public func applying(_ c: TicketChanges) -> TicketState {
        var s = self
        if let status = c.status { s.status = status }
        if let level = c.escalationLevel { s.escalationLevel = level }
        if let priority = c.priority { s.priority = priority }
        switch c.crew {
        case .set(let id): (s.crewID, s.onSite) = (id, false)
        case .clear: (s.crewID, s.onSite) = (nil, false)
        case nil: break
        }
        if c.onSite { s.onSite = true }
        if let move = c.move { (s.moe, s.queue) = (move.moe, move.queue) }
        if c.detach { s.duplicateOf = nil }
        if let master = c.duplicateOf { s.duplicateOf = master }
        if let expected = c.expectedAt { s.expectedAt = expected }
        if let due = c.dueAt { s.dueAt = due }
        if let due = c.acknowledgeDueAt { s.acknowledgeDueAt = due }
        switch c.pause {
        case .since(let when): s.pausedAt = when
        case .resumed: s.pausedAt = nil
        case nil: break
        }
        return s
    }
}
