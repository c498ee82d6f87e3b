import Foundation

/// Why and how far a ticket is escalated: past a service-level target (level 1: the MOE's
/// supervisors) or past it by as long again (level 2: the MOE's heads and municipal triage).
public struct Escalation: Sendable, Equatable {
    public var level: Int
    public var reason: String

    public init(level: Int, reason: String) {
        self.level = level
        self.reason = reason
    }
}

extension TicketState {
    /// The escalation due at `now`, if it is higher than the ticket's: an open ticket not yet
    /// acknowledged past its acknowledgement target, or not resolved past its resolution target.
    /// A scheduled ticket's clock is paused, so it is not escalated. Pure: every instance that
    /// asks gets the same answer, and the store writes a level once.
    public func escalation(now: Date, levels: ServiceLevels) -> Escalation? {
        guard status.isOpen, status != .scheduled, pausedAt == nil else { return nil }
        let level = levels.level(service: service, fault: fault)
        var found: Escalation?
        func consider(_ due: Date?, hours: Int?, _ what: String) {
            guard let due, let hours, due < now else { return }
            let late = levels.counted(from: due, to: now, calendar: level.calendar, moe: moe)
            let reached = late >= TimeInterval(hours) * 3600 ? 2 : 1
            if reached > (found?.level ?? 0) {
                let twice = reached == 2 ? "twice " : ""
                found = Escalation(level: reached, reason: "not \(what) within \(twice)its target of \(hours) h (\(level.calendar == .business ? "working hours" : "24x7"))")
            }
        }
        if status == .new { consider(acknowledgeDueAt, hours: level.acknowledgeHours, "acknowledged") }
        consider(dueAt, hours: level.resolveHours, "resolved")
        guard let found, found.level > escalationLevel else { return nil }
        return found
    }
}

extension TicketState {
    /// The SMS (and e-mail subject) a supervisor or head gets when this ticket is escalated.
    public func escalationNotice(level: Int, reason: String) -> String {
        "CivicGate: ticket \(reference.grouped) (\(service) \(fault ?? ""), \(moe)) escalated to level \(level): \(reason). Open it in the console."
    }
}

extension TicketState {
    /// The subject of the e-mail a supervisor or head gets when this ticket is escalated.
    public func escalationSubject(level: Int) -> String {
        "CivicGate escalation level \(level): ticket \(reference.grouped) (\(moe))"
    }
}

/// What the rules need to answer a reporter who says their ticket is late (`LATE <ref>`).
public struct ChaseFacts: Sendable, Equatable {
    /// The number reported this ticket, or one of its duplicates.
    public var isReporter: Bool
    public var status: TicketStatus
    public var dueAt: Date?
    public var pausedAt: Date?
    /// A reporter already said so since the start of today.
    public var chasedToday: Bool
    public var escalationLevel: Int

    public init(isReporter: Bool, status: TicketStatus, dueAt: Date?, pausedAt: Date?, chasedToday: Bool, escalationLevel: Int) {
        self.isReporter = isReporter
        self.status = status
        self.dueAt = dueAt
        self.pausedAt = pausedAt
        self.chasedToday = chasedToday
        self.escalationLevel = escalationLevel
    }

    public enum Decision: Sendable, Equatable {
        /// Not theirs, or not late: they get the ticket's status, nothing more.
        case showStatus
        /// Late, and already recorded today: told so again, nothing written.
        case alreadyRecorded
        /// Late: recorded, and escalated to level 1 if it was not escalated yet.
        case record(escalate: Bool)
    }

    /// Only a reporter of an open ticket past its due date (and not paused) may chase it, once a day.
    public func decide(now: Date) -> Decision {
        guard isReporter, status.isOpen, pausedAt == nil, status != .scheduled, let dueAt, dueAt < now else { return .showStatus }
        if chasedToday { return .alreadyRecorded }
        return .record(escalate: escalationLevel == 0)
    }
}

extension TicketState {
    /// What a reporter's survey answer does to the ticket, in order: nothing for a rating 1-5;
    /// for 0 ("not fixed"), reopen it if it is still at the resolution that was asked about, and
    /// escalate it one level as well when it had been reopened before (the supervisors hear).
    public func consequences(ofRating rating: Int, askedAbout resolution: Int, resolutions: Int, reopensBefore: Int) -> [TicketAction] {
        guard rating == 0, status == .resolved, resolution == resolutions else { return [] }
        let reason = "the reporter answered 0 to the survey: not fixed"
        var actions: [TicketAction] = [.reopen(reason: reason)]
        if reopensBefore >= 1, escalationLevel < 2 {
            actions.append(.escalate(level: escalationLevel + 1, reason: "reopened \(reopensBefore + 1) times: \(reason)"))
        }
        return actions
    }
}
