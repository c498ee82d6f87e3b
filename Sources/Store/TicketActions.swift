import Domain
import Foundation
import Gateway
import GRDB

/// Ticket actions: the domain decides (`TicketState.decide`); this applies the decision in one
/// transaction — the ticket, its history, the reporters' SMS and the audit log — so none happens
/// without the others.
extension SQLiteStaffStore {
    public func perform(_ action: TicketAction, on reference: Reference, scope: String?, actor: String, address: String?, at: Date,
                        levels: ServiceLevels, notice: @escaping NoticeWording) async throws -> ActionOutcome {
        try await database.writer.write { db in
            guard let ticket = try TicketActions.Ticket.fetch(db, reference.digits, scope: scope) else { return .notFound }
            var master: TicketActions.Ticket?
            if case .duplicate(let named) = action {
                // Only within the caller's scope, and then the top of the named ticket's chain.
                master = try TicketActions.Ticket.fetch(db, named.digits, scope: scope)
                if let parent = master?.duplicateOf { master = try TicketActions.Ticket.fetch(db, id: parent) }
            }
            switch ticket.state.decide(action, master: master?.state, now: at, levels: levels) {
            case .failure(let refusal):
                return .refused(refusal.description)
            case .success(let changes):
                try TicketActions(db: db, ticket: ticket, master: master, actor: actor, at: at, notice: notice, triageMOE: levels.triageMOE).apply(changes)
                try db.execute(sql: "INSERT INTO audit_log (at, actor, action, ticket_id, detail, address) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [at, actor, action.name, ticket.id, action.auditDetail, address])
                return .done
            }
        }
    }
}

struct TicketActions {
    struct Ticket {
        var id: Int64
        var state: TicketState
        var duplicateOf: Int64?

        static let columns = """
            t.id, t.reference, t.status, t.moe, t.queue, t.expected_at, t.duplicate_of, m.reference,
            t.service, t.fault, t.due_at, t.acknowledge_due_at, t.paused_at, t.escalation_level
            """
        static let from = "tickets t LEFT JOIN tickets m ON m.id = t.duplicate_of"

        static func fetch(_ db: Database, _ reference: String, scope: String?) throws -> Ticket? {
            try Row.fetchOne(db, sql: "SELECT \(columns) FROM \(from) WHERE t.reference = ? AND (? IS NULL OR t.moe = ?)",
                             arguments: [reference, scope, scope]).flatMap(decode)
        }

        static func fetch(_ db: Database, id: Int64) throws -> Ticket? {
            try Row.fetchOne(db, sql: "SELECT \(columns) FROM \(from) WHERE t.id = ?", arguments: [id]).flatMap(decode)
        }

        static func decode(_ row: Row) -> Ticket? {
            guard let reference = try? Reference(parsing: row[1] as String) else { return nil }
            let state = TicketState(reference: reference, status: TicketStatus(rawValue: row[2]) ?? .new, moe: row[3], queue: row[4],
                                    expectedAt: row[5], duplicateOf: (row[7] as String?).flatMap { try? Reference(parsing: $0) },
                                    service: row[8], fault: row[9], dueAt: row[10], acknowledgeDueAt: row[11], pausedAt: row[12],
                                    escalationLevel: row[13])
            return Ticket(id: row[0], state: state, duplicateOf: row[6])
        }
    }

    let db: Database
    let ticket: Ticket
    let master: Ticket?
    let actor: String
    let at: Date
    let notice: NoticeWording
    let triageMOE: String

    func apply(_ c: TicketChanges) throws {
        // Who hears of a merge is decided before the ticket's duplicates move to the master.
        let reporters = try Self.reporters(db, of: ticket.id)
        if let status = c.status {
            try db.execute(sql: "UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?", arguments: [status.rawValue, at, ticket.id])
        }
        switch c.assignee {
        case .set(let name): try db.execute(sql: "UPDATE tickets SET assignee = ? WHERE id = ?", arguments: [name, ticket.id])
        case .clear: try db.execute(sql: "UPDATE tickets SET assignee = NULL WHERE id = ?", arguments: [ticket.id])
        case nil: break
        }
        if c.publicUpdate != nil || c.expectedAt != nil {
            try db.execute(sql: "UPDATE tickets SET public_update = COALESCE(?, public_update), expected_at = COALESCE(?, expected_at) WHERE id = ?",
                           arguments: [c.publicUpdate, c.expectedAt, ticket.id])
        }
        if c.dueAt != nil || c.acknowledgeDueAt != nil {
            try db.execute(sql: "UPDATE tickets SET due_at = COALESCE(?, due_at), acknowledge_due_at = COALESCE(?, acknowledge_due_at) WHERE id = ?",
                           arguments: [c.dueAt, c.acknowledgeDueAt, ticket.id])
        }
        switch c.pause {
        case .since(let when): try db.execute(sql: "UPDATE tickets SET paused_at = ? WHERE id = ?", arguments: [when, ticket.id])
        case .resumed: try db.execute(sql: "UPDATE tickets SET paused_at = NULL WHERE id = ?", arguments: [ticket.id])
        case nil: break
        }
        if let move = c.move {
            try db.execute(sql: "UPDATE tickets SET moe = ?, queue = ?, assignee = NULL WHERE id = ? OR duplicate_of = ?",
                           arguments: [move.moe, move.queue, ticket.id, ticket.id])
        }
        if c.detach { try db.execute(sql: "UPDATE tickets SET duplicate_of = NULL WHERE id = ?", arguments: [ticket.id]) }
        if c.duplicateOf != nil, let master {
            // Chains stay flat: the ticket's own duplicates now belong to the master too.
            try db.execute(sql: "UPDATE tickets SET duplicate_of = ? WHERE duplicate_of = ? OR id = ?", arguments: [master.id, ticket.id, ticket.id])
        }
        if let level = c.escalationLevel {
            try db.execute(sql: "UPDATE tickets SET escalation_level = ? WHERE id = ?", arguments: [level, ticket.id])
            let text = ticket.state.escalationNotice(level: level, reason: c.event.note ?? "")
            for (phone, email) in try Self.escalationAudience(db, level: level, moe: ticket.state.moe, triage: triageMOE) {
                if let phone { try OutboxRows.enqueue(db, OutboundSMS(to: phone, body: text), ticketID: ticket.id, at: at) }
                if let email {
                    try db.execute(sql: """
                        INSERT INTO staff_mail (ticket_id, address, subject, body, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [ticket.id, email, ticket.state.escalationSubject(level: level), text, at, at, at])
                }
            }
        }
        try insert(c.event, ticketID: ticket.id)
        if let event = c.masterEvent, let master { try insert(event, ticketID: master.id) }
        switch c.notice {
        case let told? where told.isMerge: try send(told, to: reporters)
        case let told?: try send(told, to: try Self.reporters(db, of: ticket.id))
        case nil: break
        }
    }

    func insert(_ e: TicketEventRecord, ticketID: Int64) throws {
        try db.execute(sql: """
            INSERT INTO ticket_events (ticket_id, at, kind, from_status, to_status, note, is_public, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [ticketID, at, e.kind.rawValue, e.from?.rawValue, e.to?.rawValue, e.note, e.isPublic, actor])
    }

    func send(_ told: TicketNotice, to reporters: [Reporter]) throws {
        for r in reporters {
            let body = notice(try Reference(parsing: r.reference), told, r.language)
            try OutboxRows.enqueue(db, OutboundSMS(to: r.msisdn, body: body), ticketID: r.ticketID, at: at)
        }
    }

    struct Reporter {
        var ticketID: Int64
        var reference: String
        var msisdn: MSISDN
        var language: String
    }

    /// Who hears of an escalation: at level 1 the MOE's supervisors, at level 2 its heads and the
    /// supervisors of municipal triage; active accounts, by SMS and/or e-mail as their record says.
    static func escalationAudience(_ db: Database, level: Int, moe: String, triage: String) throws -> [(MSISDN?, String?)] {
        let who = level >= 2 ? "((moe = ? AND head) OR moe = ?)" : "moe = ?"
        let arguments: StatementArguments = level >= 2 ? [moe, triage] : [moe]
        let rows = try Row.fetchAll(db, sql: """
            SELECT phone, email FROM users WHERE role = 'supervisor' AND disabled_at IS NULL AND (phone IS NOT NULL OR email IS NOT NULL)
              AND \(who) ORDER BY username
            """, arguments: arguments)
        return rows.map { row -> (MSISDN?, String?) in
            let phone: String? = row[0]
            return (phone.flatMap { MSISDN($0) }, row[1])
        }
    }

    /// The reporters of a ticket and its duplicates, the ticket's own first, one per number.
    static func reporters(_ db: Database, of id: Int64) throws -> [Reporter] {
        var seen = Set<String>()
        return try Row.fetchAll(db, sql: """
            SELECT id, reference, reporter, language FROM tickets WHERE (id = ? OR duplicate_of = ?) AND reporter IS NOT NULL
            ORDER BY id = ? DESC, created_at
            """, arguments: [id, id, id]).compactMap { row in
            guard let msisdn = MSISDN(row[2]), seen.insert(msisdn.e164).inserted else { return nil }
            return Reporter(ticketID: row[0], reference: row[1], msisdn: msisdn, language: row[3])
        }
    }
}

extension TicketActions {
    /// A reporter's "it is late": one `chased` event per ticket per day, an audit entry, and
    /// escalation to level 1 (through the ticket rules) when the ticket was not escalated yet.
    static func record(_ chase: TicketChase, at: Date, _ db: Database) throws {
        guard let ticket = try Ticket.fetch(db, chase.reference.digits, scope: nil) else { return }
        let chasedToday = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM ticket_events WHERE ticket_id = ? AND kind = 'chased' AND at >= ?)",
                                            arguments: [ticket.id, chase.since]) ?? false
        guard !chasedToday else { return }
        let actor = "reporter \(chase.reporter.masked)"
        let note = "the reporter says it is late (\(chase.channel))"
        let actions = TicketActions(db: db, ticket: ticket, master: nil, actor: actor, at: at, notice: noReporterNotice, triageMOE: chase.triageMOE)
        try actions.insert(TicketEventRecord(kind: .chased, from: ticket.state.status, to: ticket.state.status, note: note, isPublic: false), ticketID: ticket.id)
        try db.execute(sql: "INSERT INTO audit_log (at, actor, action, ticket_id, detail) VALUES (?, ?, 'reporter chased', ?, ?)",
                       arguments: [at, actor, ticket.id, note])
        if chase.escalate, case .success(let changes) = ticket.state.decide(.escalate(level: 1, reason: note)) {
            try actions.apply(changes)
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, ticket_id, detail) VALUES (?, ?, 'escalate level 1', ?, ?)",
                           arguments: [at, actor, ticket.id, note])
        }
    }
}
