import Domain
import Foundation
import Gateway
import Logging
import PostgresNIO

/// The worklist, a ticket's file, and ticket actions on PostgreSQL. Actions are decided by
/// `TicketState.decide` and applied here in one transaction, with the ticket row locked
/// (`FOR UPDATE`) so two dispatchers on two instances act on it one after the other.
extension PostgresStaffStore {
    static let queueColumns = """
        t.reference, t.service, t.fault, t.area, t.address, t.description, t.queue, t.status, t.channel, t.public_update,
        t.expected_at, t.created_at, t.updated_at, t.moe, t.assignee, \(DueDate.sql) AS due,
        (SELECT m.reference FROM tickets m WHERE m.id = t.duplicate_of) AS duplicate_reference, t.escalation_level,
        (SELECT l.incident_id FROM incident_tickets l WHERE l.ticket_id = t.id) AS incident
        """

    static func queueTickets(_ rows: PostgresRowSequence) async throws -> [QueueTicket] {
        var out: [QueueTicket] = []
        for try await row in rows {
            let (reference, service, fault, area, address, description, queue, status, channel, update, expected, created, updated, moe, assignee,
                 due, duplicate, level, incident) = try row.decode((String, String, String, String, String, String, String, String, String, String?, Date?,
                                                                    Date, Date, String, String?, Date?, String?, Int32, Int64?).self)
            out.append(QueueTicket(reference: reference, service: service, fault: fault, area: area, address: address, description: description,
                                   queue: queue, status: TicketStatus(rawValue: status) ?? .new, channel: channel, publicUpdate: update, expectedAt: expected, createdAt: created,
                                   updatedAt: updated, moe: moe, assignee: assignee, dueAt: due, duplicateOf: duplicate, escalationLevel: Int(level),
                                   incident: incident))
        }
        return out
    }

    public func ticket(_ reference: Reference, moe: String?) async throws -> QueueTicket? {
        try await Self.queueTickets(client.query("""
            SELECT \(unescaped: Self.queueColumns) FROM tickets t WHERE t.reference = \(reference.digits) AND (\(moe)::TEXT IS NULL OR t.moe = \(moe))
            """, logger: logger)).first
    }

    public func worklist(_ query: WorklistQuery, now: Date) async throws -> Worklist {
        var scope = SQLText("")
        if let moe = query.scope { scope.sql += " AND t.moe = \(try scope.bind(moe))" }
        if let service = query.service { scope.sql += " AND t.service = \(try scope.bind(service))" }
        if let area = query.area { scope.sql += " AND t.area = \(try scope.bind(area))" }
        if let incident = query.incident {
            scope.sql += " AND EXISTS (SELECT 1 FROM incident_tickets l WHERE l.ticket_id = t.id AND l.incident_id = \(try scope.bind(incident)))"
        }
        if query.overdue {
            scope.sql += " AND t.status = ANY(\(try scope.bind(WorklistQuery.open.map(\.rawValue)))) AND \(DueDate.sql) < \(try scope.bind(now))"
        }
        if query.escalated {
            scope.sql += " AND t.status = ANY(\(try scope.bind(WorklistQuery.open.map(\.rawValue)))) AND t.escalation_level > 0"
        }
        var counts: [TicketStatus: Int] = [:]
        var countSQL = scope
        countSQL.sql = "SELECT t.status, COUNT(*)::BIGINT FROM tickets t WHERE true" + scope.sql + " GROUP BY t.status"
        for try await (status, n) in try await client.query(countSQL.query, logger: logger).decode((String, Int64).self) {
            if let s = TicketStatus(rawValue: status) { counts[s] = Int(n) }
        }
        var filtered = scope
        filtered.sql += " AND t.status = ANY(\(try filtered.bind((query.statuses ?? WorklistQuery.open).map(\.rawValue))))"
        var totalSQL = filtered
        totalSQL.sql = "SELECT COUNT(*)::BIGINT FROM tickets t WHERE true" + filtered.sql
        var total = 0
        for try await n in try await client.query(totalSQL.query, logger: logger).decode(Int64.self) { total = Int(n) }
        let order = switch query.sort {
        case .oldest: "t.created_at, t.id"
        case .newest: "t.created_at DESC, t.id DESC"
        case .due: "due, t.id"
        case .area: "t.area, t.created_at"
        case .status: "t.status, t.created_at"
        case .service: "t.service, t.fault, t.created_at"
        }
        let size = max(1, min(query.pageSize, 500))
        var page = filtered
        page.sql = "SELECT \(Self.queueColumns) FROM tickets t WHERE true" + filtered.sql
            + " ORDER BY \(order) LIMIT \(try page.bind(Int64(size))) OFFSET \(try page.bind(Int64(Paging.offset(page: query.page, size: size))))"
        let tickets = try await Self.queueTickets(client.query(page.query, logger: logger))
        return Worklist(tickets: tickets, total: total, counts: counts)
    }

    public func file(_ reference: Reference, scope: String?) async throws -> TicketFile? {
        var found: (Int64, String?)?
        for try await row in try await client.query("""
            SELECT id, reporter FROM tickets WHERE reference = \(reference.digits) AND (\(scope)::TEXT IS NULL OR moe = \(scope))
            """, logger: logger).decode((Int64, String?).self) { found = row }
        guard let (id, reporter) = found, let ticket = try await self.ticket(reference, moe: scope) else { return nil }
        var history: [TicketEvent] = []
        for try await (at, kind, from, to, note, isPublic, actor) in try await client.query("""
            SELECT at, kind, from_status, to_status, note, is_public, actor FROM ticket_events WHERE ticket_id = \(id) ORDER BY at, id
            """, logger: logger).decode((Date, String, String?, String?, String?, Bool, String).self) {
            guard let kind = TicketEventKind(rawValue: kind) else { continue }
            history.append(TicketEvent(at: at, kind: kind, fromStatus: from.flatMap(TicketStatus.init(rawValue:)),
                                       toStatus: to.flatMap(TicketStatus.init(rawValue:)), note: note, isPublic: isPublic, actor: actor))
        }
        var duplicates: [String] = []
        for try await r in try await client.query("SELECT reference FROM tickets WHERE duplicate_of = \(id) ORDER BY created_at", logger: logger)
            .decode(String.self) { duplicates.append(r) }
        let reporters = try await client.withConnection { try await Self.reporters(of: id, $0, logger: logger) }
        let details = try await PostgresReporterDetails.fetch(client, ticketID: id, logger: logger)
        return TicketFile(ticket: ticket, history: history, duplicates: duplicates, reporters: reporters.count, reporter: reporter.flatMap { MSISDN($0) },
                          details: details)
    }

    public func perform(_ action: TicketAction, on reference: Reference, scope: String?, actor: String, address: String?, at: Date,
                        levels: ServiceLevels, notice: @escaping NoticeWording) async throws -> ActionOutcome {
        try await client.withTransaction(logger: logger) { tx in
            guard let ticket = try await Self.locked(tx, reference: reference.digits, scope: scope, logger: logger) else { return .notFound }
            var master: Locked?
            if case .duplicate(let named) = action {
                // Only within the caller's scope, and then the top of the named ticket's chain.
                master = try await Self.locked(tx, reference: named.digits, scope: scope, logger: logger)
                if let parent = master?.duplicateOf { master = try await Self.locked(tx, id: parent, logger: logger) }
            }
            switch ticket.state.decide(action, master: master?.state, now: at, levels: levels) {
            case .failure(let refusal):
                return .refused(refusal.description)
            case .success(let changes):
                try await Self.apply(changes, to: ticket, master: master?.id, actor: actor, at: at, notice: notice, triageMOE: levels.triageMOE, tx, logger: logger)
                try await tx.query("""
                    INSERT INTO audit_log (at, actor, action, ticket_id, detail, address)
                    VALUES (\(at), \(actor), \(action.name), \(ticket.id), \(action.auditDetail), \(address))
                    """, logger: logger)
                return .done
            }
        }
    }

    struct Locked {
        var id: Int64
        var state: TicketState
        var duplicateOf: Int64?
    }

    /// A ticket by reference (within `scope`) or by id, locked until the transaction ends.
    static func locked(_ tx: PostgresConnection, reference: String? = nil, id: Int64? = nil, scope: String? = nil,
                       logger: Logger) async throws -> Locked? {
        for try await row in try await tx.query("""
            SELECT \(unescaped: Self.stateColumns) FROM tickets t LEFT JOIN tickets m ON m.id = t.duplicate_of
            WHERE (t.reference = \(reference) OR t.id = \(id)) AND (\(scope)::TEXT IS NULL OR t.moe = \(scope)) FOR UPDATE OF t
            """, logger: logger) {
            return try Self.locked(row)
        }
        return nil
    }

    static let stateColumns = """
        t.id, t.reference, t.status, t.moe, t.queue, t.expected_at, t.duplicate_of, m.reference,
        t.service, t.fault, t.due_at, t.acknowledge_due_at, t.paused_at, t.escalation_level
        """

    /// A ticket and what the rules need of it, from `stateColumns`.
    static func locked(_ row: PostgresRow) throws -> Locked? {
        let (id, digits, status, moe, queue, expected, duplicateOf, masterDigits, service, fault, due, ackDue, paused, level) =
            try row.decode((Int64, String, String, String, String, Date?, Int64?, String?, String, String, Date?, Date?, Date?, Int32).self)
        guard let ref = try? Reference(parsing: digits) else { return nil }
        let state = TicketState(reference: ref, status: TicketStatus(rawValue: status) ?? .new, moe: moe, queue: queue, expectedAt: expected,
                                duplicateOf: masterDigits.flatMap { try? Reference(parsing: $0) },
                                service: service, fault: fault, dueAt: due, acknowledgeDueAt: ackDue, pausedAt: paused, escalationLevel: Int(level))
        return Locked(id: id, state: state, duplicateOf: duplicateOf)
    }

    public func pastTarget(now: Date, limit: Int) async throws -> [TicketState] {
        var out: [TicketState] = []
        for try await row in try await client.query("""
            SELECT \(unescaped: Self.stateColumns) FROM tickets t LEFT JOIN tickets m ON m.id = t.duplicate_of
            WHERE t.status IN ('new', 'acknowledged', 'assigned', 'in_progress') AND t.escalation_level < 2 AND t.paused_at IS NULL
              AND (t.due_at < \(now) OR (t.status = 'new' AND t.acknowledge_due_at < \(now)))
            ORDER BY t.due_at LIMIT \(Int64(max(1, min(limit, 10_000))))
            """, logger: logger) {
            if let ticket = try Self.locked(row) { out.append(ticket.state) }
        }
        return out
    }

    /// The decision, written: the same steps as the SQLite store's.
    static func apply(_ c: TicketChanges, to ticket: Locked, master: Int64?, actor: String, at: Date, notice: NoticeWording, triageMOE: String,
                      _ tx: PostgresConnection, logger: Logger) async throws {
        let id = ticket.id
        // Who hears of a merge is decided before the ticket's duplicates move to the master.
        let before = try await reporters(of: id, tx, logger: logger)
        if let status = c.status {
            try await tx.query("UPDATE tickets SET status = \(status.rawValue), updated_at = \(at) WHERE id = \(id)", logger: logger)
        }
        switch c.assignee {
        case .set(let name): try await tx.query("UPDATE tickets SET assignee = \(name) WHERE id = \(id)", logger: logger)
        case .clear: try await tx.query("UPDATE tickets SET assignee = NULL WHERE id = \(id)", logger: logger)
        case nil: break
        }
        if c.publicUpdate != nil || c.expectedAt != nil {
            try await tx.query("""
                UPDATE tickets SET public_update = COALESCE(\(c.publicUpdate), public_update), expected_at = COALESCE(\(c.expectedAt), expected_at) WHERE id = \(id)
                """, logger: logger)
        }
        if c.dueAt != nil || c.acknowledgeDueAt != nil {
            try await tx.query("""
                UPDATE tickets SET due_at = COALESCE(\(c.dueAt), due_at), acknowledge_due_at = COALESCE(\(c.acknowledgeDueAt), acknowledge_due_at) WHERE id = \(id)
                """, logger: logger)
        }
        switch c.pause {
        case .since(let when): try await tx.query("UPDATE tickets SET paused_at = \(when) WHERE id = \(id)", logger: logger)
        case .resumed: try await tx.query("UPDATE tickets SET paused_at = NULL WHERE id = \(id)", logger: logger)
        case nil: break
        }
        if let move = c.move {
            try await tx.query("UPDATE tickets SET moe = \(move.moe), queue = \(move.queue), assignee = NULL WHERE id = \(id) OR duplicate_of = \(id)", logger: logger)
        }
        if c.detach { try await tx.query("UPDATE tickets SET duplicate_of = NULL WHERE id = \(id)", logger: logger) }
        if c.duplicateOf != nil, let master {
            try await tx.query("UPDATE tickets SET duplicate_of = \(master) WHERE duplicate_of = \(id) OR id = \(id)", logger: logger)
        }
        if let level = c.escalationLevel {
            try await tx.query("UPDATE tickets SET escalation_level = \(Int32(level)) WHERE id = \(id)", logger: logger)
            let text = ticket.state.escalationNotice(level: level, reason: c.event.note ?? "")
            for (phone, email) in try await escalationAudience(level: level, moe: ticket.state.moe, triage: triageMOE, tx, logger: logger) {
                if let phone { try await PostgresTicketRows.enqueue(OutboundSMS(to: phone, body: text), ticketID: id, at: at, tx, logger: logger) }
                if let email {
                    try await tx.query("""
                        INSERT INTO staff_mail (ticket_id, address, subject, body, next_attempt_at, created_at, updated_at)
                        VALUES (\(id), \(email), \(ticket.state.escalationSubject(level: level)), \(text), \(at), \(at), \(at))
                        """, logger: logger)
                }
            }
        }
        try await insert(c.event, ticket: id, actor: actor, at: at, tx, logger: logger)
        if let event = c.masterEvent, let master { try await insert(event, ticket: master, actor: actor, at: at, tx, logger: logger) }
        guard let told = c.notice else { return }
        let reporters: [Reporter]
        switch told {
        case .status: reporters = try await self.reporters(of: id, tx, logger: logger)
        case .merged: reporters = before
        }
        for r in reporters {
            guard let reference = try? Reference(parsing: r.reference) else { continue }
            try await PostgresTicketRows.enqueue(OutboundSMS(to: r.msisdn, body: notice(reference, told, r.language)), ticketID: r.ticketID,
                                                 at: at, tx, logger: logger)
        }
    }

    static func insert(_ e: TicketEventRecord, ticket: Int64, actor: String, at: Date, _ tx: PostgresConnection, logger: Logger) async throws {
        try await tx.query("""
            INSERT INTO ticket_events (ticket_id, at, kind, from_status, to_status, note, is_public, actor)
            VALUES (\(ticket), \(at), \(e.kind.rawValue), \(e.from?.rawValue), \(e.to?.rawValue), \(e.note), \(e.isPublic), \(actor))
            """, logger: logger)
    }

    struct Reporter {
        var ticketID: Int64
        var reference: String
        var msisdn: MSISDN
        var language: String
    }

    /// The numbers of who hears of an escalation, as on SQLite: at level 1 the MOE's supervisors,
    /// at level 2 its heads and the supervisors of municipal triage.
    static func escalationAudience(level: Int, moe: String, triage: String, _ tx: PostgresConnection, logger: Logger) async throws -> [(MSISDN?, String?)] {
        var out: [(MSISDN?, String?)] = []
        for try await (phone, email) in try await tx.query("""
            SELECT phone, email FROM users WHERE role = 'supervisor' AND disabled_at IS NULL AND (phone IS NOT NULL OR email IS NOT NULL)
              AND ((moe = \(moe) AND (\(level) < 2 OR head)) OR (\(level) >= 2 AND moe = \(triage))) ORDER BY username
            """, logger: logger).decode((String?, String?).self) {
            out.append((phone.flatMap { MSISDN($0) }, email))
        }
        return out
    }

    /// The reporters of a ticket and its duplicates, the ticket's own first, one per number.
    static func reporters(of id: Int64, _ connection: PostgresConnection, logger: Logger) async throws -> [Reporter] {
        var seen = Set<String>()
        var out: [Reporter] = []
        for try await (ticketID, reference, reporter, language) in try await connection.query("""
            SELECT id, reference, reporter, language FROM tickets WHERE (id = \(id) OR duplicate_of = \(id)) AND reporter IS NOT NULL
            ORDER BY id = \(id) DESC, created_at
            """, logger: logger).decode((Int64, String, String, String).self) {
            guard let msisdn = MSISDN(reporter), seen.insert(msisdn.e164).inserted else { continue }
            out.append(Reporter(ticketID: ticketID, reference: reference, msisdn: msisdn, language: language))
        }
        return out
    }
}

extension PostgresStaffStore {
    /// A reporter's "it is late", as on SQLite: one `chased` event per ticket per day (under the
    /// ticket's row lock), an audit entry, and escalation to level 1 if the ticket had none.
    static func record(_ chase: TicketChase, at: Date, _ tx: PostgresConnection, logger: Logger) async throws {
        guard let ticket = try await locked(tx, reference: chase.reference.digits, logger: logger) else { return }
        var chasedToday = false
        for try await seen in try await tx.query("""
            SELECT EXISTS (SELECT 1 FROM ticket_events WHERE ticket_id = \(ticket.id) AND kind = 'chased' AND at >= \(chase.since))
            """, logger: logger).decode(Bool.self) { chasedToday = seen }
        guard !chasedToday else { return }
        let actor = "reporter \(chase.reporter.masked)"
        let note = "the reporter says it is late (\(chase.channel))"
        try await insert(TicketEventRecord(kind: .chased, from: ticket.state.status, to: ticket.state.status, note: note, isPublic: false),
                         ticket: ticket.id, actor: actor, at: at, tx, logger: logger)
        try await tx.query("""
            INSERT INTO audit_log (at, actor, action, ticket_id, detail) VALUES (\(at), \(actor), 'reporter chased', \(ticket.id), \(note))
            """, logger: logger)
        if chase.escalate, case .success(let changes) = ticket.state.decide(.escalate(level: 1, reason: note)) {
            try await apply(changes, to: ticket, master: nil, actor: actor, at: at, notice: noReporterNotice, triageMOE: chase.triageMOE, tx, logger: logger)
            try await tx.query("""
                INSERT INTO audit_log (at, actor, action, ticket_id, detail) VALUES (\(at), \(actor), 'escalate level 1', \(ticket.id), \(note))
                """, logger: logger)
        }
    }
}
