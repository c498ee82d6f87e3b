import Domain
import FlowEngine
import Foundation

/// Every staff and system action on a ticket, in one place: a dispatcher's or an MOE system's
/// action, the escalation job, a reporter's "it is late" and survey answer. The desk reads the
/// ticket in the store's transaction, asks the domain's rules (`TicketState.decide`), words the
/// notices in each reporter's language and hands the store one `TicketWork` per action to write.
public struct TicketDesk: Sendable {
    let ledger: any TicketLedger
    let engine: FlowEngine
    let clock: any WallClock

    public init(ledger: any TicketLedger, engine: FlowEngine, clock: any WallClock) {
        (self.ledger, self.engine, self.clock) = (ledger, engine, clock)
    }

    /// An action by `actor` (a dispatcher, `api:<moe>`, `org:<id>`, `civicgate`) within `scope`,
    /// from the client `address` (nil: from inside).
    public func perform(_ action: TicketAction, on reference: Reference, scope: String?, actor: String, address: String?) async throws -> ActionOutcome {
        try await ledger.perform(action, on: reference, scope: scope, actor: actor, address: address, at: clock.now(),
                                 levels: engine.serviceLevels, notice: engine.noticeWording)
    }
}

extension TicketLedger {
    /// Decided by the rules with the catalogue's `levels` (the service-level clock), worded by
    /// `notice`, audited under `actor` with the client `address` (nil: from inside, a job).
    public func perform(_ action: TicketAction, on reference: Reference, scope: String?, actor: String, address: String? = nil, at: Date,
                        levels: ServiceLevels = ServiceLevels(), notice: @escaping NoticeWording) async throws -> ActionOutcome {
        let named: Reference? = if case .duplicate(let master) = action { master } else { nil }
        return try await change(reference, scope: scope, master: named, triageMOE: levels.triageMOE) { snapshot in
            switch snapshot.ticket.state.decide(action, master: snapshot.master?.state, now: at, levels: levels) {
            case .failure(let refusal): return ([], .refused(refusal.description))
            case .success(let changes):
                let audit = TicketAudit(action: .ticket(action), detail: action.auditDetail, address: address)
                return ([TicketDesk.work(changes, snapshot, audit: audit, actor: actor, at: at, triageMOE: levels.triageMOE, notice: notice)], .done)
            }
        } ?? .notFound
    }
}

extension TicketDesk {
    /// A decision made ready to write: the notices worded for each reporter, and for an escalation
    /// the message to the supervisors above (at level 1 the MOE's, at level 2 its heads and
    /// municipal triage's).
    public static func work(_ c: TicketChanges, _ snapshot: TicketSnapshot, audit: TicketAudit, actor: String, at: Date, triageMOE: String,
                            notice: NoticeWording) -> TicketWork {
        let ticket = snapshot.ticket
        var work = TicketWork(ticket: ticket, masterID: snapshot.master?.id, changes: c, audit: audit, actor: actor, at: at)
        if let level = c.escalationLevel {
            let text = ticket.state.escalationNotice(level: level, reason: c.event.note ?? "")
            let subject = ticket.state.escalationSubject(level: level)
            for s in snapshot.supervisors where level >= 2 ? (s.moe == ticket.state.moe && s.head) || s.moe == triageMOE : s.moe == ticket.state.moe {
                if let phone = s.phone { work.messages.append(TicketMessage(ticketID: ticket.id, sms: OutboundSMS(to: phone, body: text))) }
                if let email = s.email { work.mails.append(StaffMailDraft(address: email, subject: subject, body: text)) }
            }
        }
        if let note = c.supervisorNote {
            for s in snapshot.supervisors where s.moe == ticket.state.moe {
                if let phone = s.phone { work.messages.append(TicketMessage(ticketID: ticket.id, sms: OutboundSMS(to: phone, body: note))) }
                if let email = s.email { work.mails.append(StaffMailDraft(address: email, subject: "Ticket \(ticket.state.reference.grouped): not fixed", body: note)) }
            }
        }
        // A merge is told to the reporters the ticket had before it moved to the master: the snapshot's.
        if let told = c.notice {
            for r in snapshot.reporters {
                work.messages.append(TicketMessage(ticketID: r.ticketID, sms: OutboundSMS(to: r.msisdn, body: notice(r.reference, told, r.language))))
            }
        }
        return work
    }

    /// A reporter's "it is late" (LATE by SMS, or from USSD track): one `chased` entry per ticket
    /// per day, and escalation to level 1 when the ticket had none and the chase asks for it.
    public static func chased(_ chase: TicketChase, _ snapshot: TicketSnapshot, chasedToday: Bool, at: Date) -> [TicketWork] {
        guard !chasedToday else { return [] }
        let state = snapshot.ticket.state
        let actor = "reporter \(chase.reporter.masked)"
        let note = "the reporter says it is late (\(chase.channel))"
        var out = [TicketWork(ticket: snapshot.ticket, masterID: nil,
                              changes: TicketChanges(event: TicketEventRecord(kind: .chased, from: state.status, to: state.status, note: note, isPublic: false)),
                              audit: TicketAudit(action: .reporterChased, detail: note), actor: actor, at: at)]
        if chase.escalate, case .success(let changes) = state.decide(.escalate(level: 1, reason: note)) {
            out.append(work(changes, snapshot, audit: TicketAudit(action: .ticket(.escalate(level: 1, reason: note)), detail: note), actor: actor, at: at,
                            triageMOE: chase.triageMOE, notice: noReporterNotice))
        }
        return out
    }

    /// A survey answer's consequences, in order (`TicketState.consequences`): each action decided
    /// on the ticket as the one before left it.
    public static func answered(_ answer: SurveyAnswer, _ snapshot: TicketSnapshot, askedAbout resolution: Int, resolutions: Int, reopensBefore: Int,
                                at: Date) -> [TicketWork] {
        var current = snapshot
        var out: [TicketWork] = []
        let actor = "reporter \(answer.reporter.masked)"
        let actions = snapshot.ticket.state.consequences(ofRating: answer.rating, askedAbout: resolution, resolutions: resolutions,
                                                         reopensBefore: reopensBefore)
        for action in actions {
            guard case .success(let changes) = current.ticket.state.decide(action) else { break }
            out.append(work(changes, current, audit: TicketAudit(action: .ticket(action), detail: action.auditDetail), actor: actor, at: at,
                            triageMOE: answer.triageMOE, notice: noReporterNotice))
            current.ticket.state = current.ticket.state.applying(changes)
        }
        return out
    }
}
