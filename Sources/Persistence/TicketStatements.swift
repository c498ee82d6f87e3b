import Domain
import Foundation
import Gateway

/// The ticket desk's reads and writes, for both stores: what `TicketState.decide` needs of a
/// ticket, its reporters and the supervisors above it, and a decided `TicketWork` written out.
public enum TicketStatements {
    static let stateColumns = """
        t.id, t.reference, t.status, t.moe, t.queue, t.expected_at, m.reference AS master_reference, t.service, t.fault,
        t.due_at, t.acknowledge_due_at, t.paused_at, t.escalation_level, t.priority, t.area, t.address, t.crew_id, t.on_site_at
        """
    static let from = "tickets t LEFT JOIN tickets m ON m.id = t.duplicate_of"

    /// A new ticket's row, returning its id; on PostgreSQL a drawn reference already taken inserts
    /// nothing (no id: the caller draws again; SQLite's callers check the reference first).
    public static func insert(_ t: NewTicket) -> SQL {
        "INSERT INTO tickets (\(raw: insertColumns)) VALUES \(values(t)) \(sqlite: "", postgres: "ON CONFLICT (reference) DO NOTHING ")RETURNING id"
    }

    static let insertColumns = """
        reference, service, fault, area, address, description, moe, queue, status, channel, reporter, language,
        created_at, updated_at, due_at, acknowledge_due_at, lat, long, priority, street_number
        """

    static func values(_ t: NewTicket) -> SQL { "(\(valueList(t)))" }

    /// `values(t)` without its parentheses, for an `INSERT ... SELECT`.
    static func valueList(_ t: NewTicket) -> SQL {
        let d = t.draft
        return """
            \(d.reference.digits), \(d.service), \(d.fault), \(d.area), \(d.address), \(d.description), \(t.destination.moe),
             \(t.destination.queue), \(TicketStatus.new), \(d.channel.rawValue), \(d.reporter?.e164), \(d.language),
             \(t.createdAt), \(t.createdAt), \(t.dueAt), \(t.acknowledgeDueAt), \(d.location?.lat), \(d.location?.long), \(t.priority),
             \(ReportedPlace.storedNumber(of: d.address))
            """
    }

    /// PostgreSQL: a confirmation's writes in one statement, a data-modifying `WITH` (one round
    /// trip where there were six): the new ticket, its "created" history entry and its reporter's
    /// confirmation. Its one row says:
    /// - `id`: the ticket's, or NULL when the drawn reference is taken and nothing was written;
    /// - `made`: with a `cap`, the reports the number made before this one today, counted in this
    ///   statement (its snapshot does not hold the new ticket); at or over the cap, the caller
    ///   rolls the transaction back. The caller takes the number's advisory lock in an earlier
    ///   statement of the transaction, so this statement's snapshot, taken after it, sees every
    ///   report committed by the lock's earlier holders;
    /// - `hooks`, `incidents`: whether the MOE has an enabled webhook subscription and the service
    ///   an open incident, so that the caller asks no more when neither does.
    public static func insertCreated(_ t: NewTicket, cap: ReportLimit? = nil) -> SQL {
        var head: SQL = ""
        if let cap { head = "made AS (\(ReportStatements.made(by: cap.msisdn, since: cap.since))), " }
        let made: SQL = cap == nil ? "NULL::bigint" : "(SELECT n FROM made)"
        return created(t, head: head, insert: insert(t), columns: "(SELECT id FROM t) AS id, \(made) AS made, \(hooks(t)) AS hooks, \(incidents(t)) AS incidents")
    }

    /// PostgreSQL: a whole confirmation in one statement, with no `BEGIN` and `COMMIT` (one round
    /// trip where `insertCreated` in a transaction takes four). In order, each step reading the one
    /// before, so each runs only when the one before gave a row:
    /// - `plain`: whether the confirmation needs no writes beyond this statement's: false when the
    ///   MOE has a webhook subscription or the service an open incident (a webhook message and an
    ///   incident link go in a transaction);
    /// - `moved`: the hop's session moved on (`move`, which returns a row when it moved), only when
    ///   `plain`; `moveIf` adds that condition to `move`'s own;
    /// - `made`: the reports the number made today, counted by `cg_reports_made` (migration v26)
    ///   *after* it takes the number's advisory lock, in a snapshot of its own, so it sees every
    ///   report committed by the lock's earlier holders (a count in this statement's snapshot,
    ///   taken before the lock, would not);
    /// - `t`: the ticket, only under the cap; its history and confirmation as in `insertCreated`.
    /// Its one row: `id`, the ticket's, and `plain`. When nothing moved (`id` NULL), nothing was
    /// written: with `plain` false the confirmation needs the transaction, with `plain` true
    /// another hop moved the session first. When the session moved but the number is at the cap or
    /// the reference is taken, `cg_unconfirmed` fails the statement with SQLSTATE `CGNOT` and a
    /// message saying which (`Unconfirmed`), which undoes the move.
    public static func confirmation(_ t: NewTicket, cap: ReportLimit, moveIf: (SQL) -> SQL, lockKey: Int32) -> SQL {
        let insert: SQL = """
            INSERT INTO tickets (\(raw: insertColumns)) SELECT \(valueList(t)) FROM made WHERE made.n < \(Int64(cap.limit))
            ON CONFLICT (reference) DO NOTHING RETURNING id
            """
        let plain: SQL = "NOT \(hooks(t)) AND NOT \(incidents(t))"
        let head: SQL = "plain AS (SELECT \(plain) AS yes), moved AS (\(moveIf("(SELECT yes FROM plain)"))), "
            + "made AS (SELECT cg_reports_made(\(Int64(lockKey)), \(cap.msisdn.e164), \(cap.since)) AS n FROM moved), "
        let id: SQL = """
            CASE WHEN NOT EXISTS (SELECT 1 FROM moved) THEN NULL
                 WHEN (SELECT n FROM made) >= \(Int64(cap.limit)) THEN cg_unconfirmed(\(Unconfirmed.reportLimitReached.rawValue))
                 WHEN NOT EXISTS (SELECT 1 FROM t) THEN cg_unconfirmed(\(Unconfirmed.referenceTaken.rawValue))
                 ELSE (SELECT id FROM t) END
            """
        return created(t, head: head, insert: insert, columns: "\(id) AS id, (SELECT yes FROM plain) AS plain")
    }

    /// Why `confirmation` wrote nothing: the message of its `CGNOT` error.
    public enum Unconfirmed: String, Sendable, CaseIterable {
        case reportLimitReached = "report limit reached"
        case referenceTaken = "reference taken"
        public static let sqlState = "CGNOT"
    }

    /// The ticket (`insert`, as `t`), its history and its confirmation SMS, after `head`'s CTEs;
    /// the statement's row is `columns`.
    private static func created(_ t: NewTicket, head: SQL, insert: SQL, columns: SQL) -> SQL {
        var sql: SQL = "WITH " + head + """
            t AS (\(insert)),
            e AS (INSERT INTO ticket_events (ticket_id, at, kind, to_status, note, is_public, actor)
                  SELECT id, \(t.createdAt), \(TicketEventKind.created), \(TicketStatus.new), \("routed to \(t.destination.moe)/\(t.destination.queue)"),
                         \(false), \(t.draft.channel.rawValue) FROM t)
            """
        if let reporter = t.draft.reporter, let body = t.confirmation {
            sql = sql + ", o AS (\(OutboxStatements.enqueue(OutboundSMS(to: reporter, body: body), forTicketIn: "t", at: t.createdAt)))"
        }
        return sql + " SELECT " + columns
    }

    static func hooks(_ t: NewTicket) -> SQL {
        "EXISTS (SELECT 1 FROM webhook_subscriptions WHERE moe = \(t.destination.moe) AND disabled_at IS NULL)"
    }

    static func incidents(_ t: NewTicket) -> SQL {
        "EXISTS (SELECT 1 FROM incidents WHERE service = \(t.draft.service) AND status = 'open')"
    }

    /// A ticket by reference within `scope`, locked.
    public static func ticket(_ reference: Reference, scope: String?) -> SQL {
        "SELECT \(raw: stateColumns) FROM \(raw: from) WHERE t.reference = \(reference.digits) AND \(SQL.scoped("t.moe", to: scope))\(SQL.forUpdate(of: "t"))"
    }

    /// A ticket by id (or a subquery giving one), locked.
    static func ticket(id: SQL) -> SQL {
        "SELECT \(raw: stateColumns) FROM \(raw: from) WHERE t.id = (\(id))\(SQL.forUpdate(of: "t"))"
    }

    /// The top of the named ticket's chain, the named ticket within `scope`; locked.
    static func master(_ named: Reference, scope: String?) -> SQL {
        ticket(id: "SELECT COALESCE(n.duplicate_of, n.id) FROM tickets n WHERE n.reference = \(named.digits) AND \(SQL.scoped("n.moe", to: scope))")
    }

    public static func record(_ row: any SQLRow) throws -> TicketRecord {
        let state = TicketState(reference: try row.reference("reference"), status: try row.value("status", as: TicketStatus.self),
                                moe: try row.text(required: "moe"), queue: try row.text(required: "queue"), expectedAt: try row.date("expected_at"),
                                duplicateOf: try row.reference(optional: "master_reference"), service: try row.text(required: "service"),
                                fault: try row.text("fault"), dueAt: try row.date("due_at"), acknowledgeDueAt: try row.date("acknowledge_due_at"),
                                pausedAt: try row.date("paused_at"), escalationLevel: try row.int("escalation_level"),
                                priority: try row.value("priority", as: TicketPriority.self), crewID: try row.integer("crew_id"),
                                onSite: try row.date("on_site_at") != nil)
        return TicketRecord(id: try row.integer(required: "id"), state: state, area: try row.text("area"), address: try row.text("address"))
    }

    /// Open, unpaused tickets past a target and below level 2, most overdue first.
    static func pastTarget(now: Date, limit: Int) -> SQL {
        """
        SELECT \(raw: stateColumns) FROM \(raw: from)
        WHERE t.status IN \(list: [TicketStatus.new, .acknowledged, .assigned, .inProgress]) AND t.escalation_level < 2 AND t.paused_at IS NULL
          AND (t.due_at < \(now) OR (t.status = \(TicketStatus.new) AND t.acknowledge_due_at < \(now)))
        ORDER BY t.due_at LIMIT \(max(1, min(limit, 10_000)))
        """
    }

    /// The reporters of a ticket and its duplicates, the ticket's own first, then the residents
    /// added to any of them ("Add me to it"), who hear of it under its reference (`id` is SQL
    /// giving its id).
    public static func reporters(of id: SQL) -> SQL {
        """
        SELECT id, reference, reporter, language FROM (
            SELECT r.id, r.reference, r.reporter, r.language, CASE WHEN r.id = k.id THEN 0 ELSE 1 END AS rank, r.created_at AS at, r.id AS n
            FROM tickets r JOIN (SELECT (\(id)) AS id) k ON r.id = k.id OR r.duplicate_of = k.id WHERE r.reporter IS NOT NULL
            UNION ALL
            SELECT r.id, r.reference, j.msisdn, j.language, 2, j.created_at, j.id
            FROM tickets r JOIN (SELECT (\(id)) AS id) k ON r.id = k.id OR r.duplicate_of = k.id JOIN ticket_reporters j ON j.ticket_id = r.id
        ) x ORDER BY rank, at, n
        """
    }

    /// One per number; a number that is no longer one (a purged reporter's pseudonym) hears nothing.
    public static func reporters(_ rows: [any SQLRow]) throws -> [TicketReporter] {
        onePerNumber(try rows.map(reporter))
    }

    static func reporter(_ row: any SQLRow) throws -> TicketReporter? {
        guard let msisdn = MSISDN(try row.text(required: "reporter")) else { return nil }
        return TicketReporter(ticketID: try row.integer(required: "id"), reference: try row.reference("reference"), msisdn: msisdn,
                              language: try row.text(required: "language"))
    }

    static func onePerNumber(_ reporters: [TicketReporter?]) -> [TicketReporter] {
        var seen = Set<String>()
        return reporters.compactMap { r in r.flatMap { seen.insert($0.msisdn.e164).inserted ? $0 : nil } }
    }

    /// Active supervisors with a number or an address, of the ticket's MOE (`id` is SQL giving the ticket's id) and of triage.
    static func supervisors(of id: SQL, triageMOE: String) -> SQL {
        """
        SELECT moe, head, phone, email FROM users
        WHERE role = 'supervisor' AND disabled_at IS NULL AND (phone IS NOT NULL OR email IS NOT NULL)
          AND (moe = (SELECT moe FROM tickets WHERE id = (\(id))) OR moe = \(triageMOE)) ORDER BY username
        """
    }

    static func supervisors(_ rows: [any SQLRow]) throws -> [Supervisor] {
        try rows.map { row in
            Supervisor(moe: try row.text(required: "moe"), head: try row.bool(required: "head"), phone: try row.text("phone").flatMap { MSISDN($0) },
                       email: try row.text("email"))
        }
    }

    /// What a plan returns: the decided work, statements written before it, the caller's result,
    /// and events for webhooks besides those the work tells (`WebhookDraft.drafts(for:)`).
    typealias Planned<R> = (work: [TicketWork], before: [SQL], result: R, told: [(draft: WebhookDraft, at: Date)])

    /// Reads `first` (rows handed to `plan`), the ticket (and a master), its reporters and the
    /// supervisors, then `plan`; writes what it returns. `id` is SQL giving the ticket's id.
    static func change<R: Sendable>(id: SQL, ticket: SQL, master: SQL?, triageMOE: String, first: [SQL] = [],
                                    _ plan: @escaping @Sendable (TicketSnapshot, [[any SQLRow]]) throws -> Planned<R>) -> SQLExchange<R?> {
        let reads = first + [ticket, reporters(of: id), supervisors(of: id, triageMOE: triageMOE)] + (master.map { [$0] } ?? [])
        return SQLExchange(reads: reads, decideThen: { rows in
            let n = first.count
            guard let found = rows[n].first else { return ([], .done(()), nil) }
            let snapshot = TicketSnapshot(ticket: try record(found), master: try rows.dropFirst(n + 3).first?.first.map(record),
                                          reporters: try reporters(rows[n + 1]), supervisors: try supervisors(rows[n + 2]))
            let planned = try plan(snapshot, Array(rows.prefix(n)))
            return (planned.before + planned.work.flatMap(writes), told(planned.work, planned.told), planned.result)
        })
    }

    /// The webhooks' events of `work` and `others`, captured after the work is written.
    static func told(_ work: [TicketWork], _ others: [(draft: WebhookDraft, at: Date)]) -> SQLFlow<Void> {
        SQLFlow.sequence(work.map { WebhookStatements.capture(WebhookDraft.drafts(for: $0), at: $0.at) }
                         + others.map { WebhookStatements.capture([$0.draft], at: $0.at) })
    }

    /// The ledger's one operation (see `TicketLedger.change`).
    public static func change<R: Sendable>(_ reference: Reference, scope: String?, master: Reference?, triageMOE: String,
                                           _ plan: @escaping @Sendable (TicketSnapshot) -> (work: [TicketWork], result: R)) -> SQLExchange<R?> {
        let id: SQL = "SELECT id FROM tickets WHERE reference = \(reference.digits)"
        return change(id: id, ticket: ticket(reference, scope: scope), master: master.map { self.master($0, scope: scope) }, triageMOE: triageMOE) { s, _ in
            let (work, result) = plan(s)
            return (work, [], result, [])
        }
    }

    /// A reporter's chase, inside the hop that carries it.
    public static func chase(_ chase: TicketChase, at: Date) -> SQLExchange<Void?> {
        let id: SQL = "SELECT id FROM tickets WHERE reference = \(chase.reference.digits)"
        let today: SQL = "SELECT COUNT(*) AS n FROM ticket_events WHERE ticket_id = (\(id)) AND kind = \(TicketEventKind.chased) AND at >= \(chase.since)"
        return change(id: id, ticket: ticket(chase.reference, scope: nil), master: nil, triageMOE: chase.triageMOE, first: [today]) { snapshot, rows in
            let chasedToday = try rows[0].first?.integer(required: "n") ?? 0 > 0
            return (TicketDesk.chased(chase, snapshot, chasedToday: chasedToday, at: at), [], (), [])
        }
    }

    /// A survey answer, inside the hop that carries it: stored once, with what it does to the
    /// ticket. The survey is read first: its row lock orders two answers to it.
    public static func answer(_ answer: SurveyAnswer, at: Date) -> SQLExchange<Void?> {
        let id: SQL = "SELECT ticket_id FROM surveys WHERE id = \(answer.surveyID)"
        let survey: SQL = "SELECT s.resolution FROM surveys s WHERE s.id = \(answer.surveyID) AND s.answered_at IS NULL\(SQL.forUpdate(of: "s"))"
        let counts: SQL = """
            SELECT (SELECT COUNT(*) FROM ticket_events WHERE ticket_id = (\(id)) AND kind = \(TicketEventKind.status) AND to_status = \(TicketStatus.resolved)) AS resolutions,
                   (SELECT COUNT(*) FROM ticket_events WHERE ticket_id = (\(id)) AND kind = \(TicketEventKind.reopened)) AS reopens
            """
        return change(id: id, ticket: ticket(id: id), master: nil, triageMOE: answer.triageMOE, first: [survey, counts]) { snapshot, rows in
            guard let asked = rows[0].first, let count = rows[1].first else { return ([], [], (), []) }
            let stored: SQL = "UPDATE surveys SET rating = \(answer.rating), answered_at = \(at) WHERE id = \(answer.surveyID)"
            let told = WebhookDraft(type: .surveyAnswered, moe: snapshot.ticket.state.moe, subject: .ticket(id: snapshot.ticket.id), rating: answer.rating)
            let work = TicketDesk.answered(answer, snapshot, askedAbout: try asked.int("resolution"), resolutions: try count.int("resolutions"),
                                           reopensBefore: try count.int("reopens"), at: at)
            return (work, [stored], (), [(told, at)])
        }
    }

    /// A decided action, written: the ticket's columns, its history and its master's, the SMS and
    /// e-mail, the audit entry.
    public static func writes(_ work: TicketWork) -> [SQL] {
        let c = work.changes
        let id = work.ticket.id
        let at = work.at
        var out: [SQL] = []
        if let status = c.status { out.append("UPDATE tickets SET status = \(status), updated_at = \(at) WHERE id = \(id)") }
        switch c.assignee {
        case .set(let name): out.append("UPDATE tickets SET assignee = \(name) WHERE id = \(id)")
        case .clear: out.append("UPDATE tickets SET assignee = NULL WHERE id = \(id)")
        case nil: break
        }
        if c.publicUpdate != nil || c.expectedAt != nil {
            out.append("UPDATE tickets SET public_update = COALESCE(\(c.publicUpdate), public_update), expected_at = COALESCE(\(c.expectedAt), expected_at) WHERE id = \(id)")
        }
        if c.dueAt != nil || c.acknowledgeDueAt != nil {
            out.append("UPDATE tickets SET due_at = COALESCE(\(c.dueAt), due_at), acknowledge_due_at = COALESCE(\(c.acknowledgeDueAt), acknowledge_due_at) WHERE id = \(id)")
        }
        switch c.pause {
        case .since(let when): out.append("UPDATE tickets SET paused_at = \(when) WHERE id = \(id)")
        case .resumed: out.append("UPDATE tickets SET paused_at = NULL WHERE id = \(id)")
        case nil: break
        }
        if let move = c.move { out.append("UPDATE tickets SET moe = \(move.moe), queue = \(move.queue), assignee = NULL WHERE id = \(id) OR duplicate_of = \(id)") }
        if c.detach { out.append("UPDATE tickets SET duplicate_of = NULL WHERE id = \(id)") }
        if c.duplicateOf != nil, let master = work.masterID {
            // Chains stay flat: the ticket's own duplicates now belong to the master too.
            out.append("UPDATE tickets SET duplicate_of = \(master) WHERE duplicate_of = \(id) OR id = \(id)")
        }
        if let level = c.escalationLevel { out.append("UPDATE tickets SET escalation_level = \(level) WHERE id = \(id)") }
        if let priority = c.priority { out.append("UPDATE tickets SET priority = \(priority), updated_at = \(at) WHERE id = \(id)") }
        switch c.crew {
        case .set(let crew): out.append("UPDATE tickets SET crew_id = \(crew), crew_assigned_at = \(at), on_site_at = NULL WHERE id = \(id)")
        case .clear: out.append("UPDATE tickets SET crew_id = NULL, on_site_at = NULL WHERE id = \(id)")
        case nil: break
        }
        if c.onSite { out.append("UPDATE tickets SET on_site_at = \(at) WHERE id = \(id)") }
        switch c.flag {
        case .set(let reason): out.append("UPDATE tickets SET field_flag = \(reason) WHERE id = \(id)")
        case .clear: out.append("UPDATE tickets SET field_flag = NULL WHERE id = \(id)")
        case nil: break
        }
        out.append(event(c.event, ticketID: id, actor: work.actor, at: at))
        if let e = c.masterEvent, let master = work.masterID { out.append(event(e, ticketID: master, actor: work.actor, at: at)) }
        out += work.messages.map { OutboxStatements.enqueue($0.sms, ticketID: $0.ticketID, at: at) }
        out += work.mails.map { mail in
            """
            INSERT INTO staff_mail (ticket_id, address, subject, body, next_attempt_at, created_at, updated_at)
            VALUES (\(id), \(mail.address), \(mail.subject), \(mail.body), \(at), \(at), \(at))
            """
        }
        out.append("""
            INSERT INTO audit_log (at, actor, action, ticket_id, detail, address)
            VALUES (\(at), \(work.actor), \(work.audit.action.rawValue), \(id), \(work.audit.detail), \(work.audit.address))
            """)
        return out
    }

    static func event(_ e: TicketEventRecord, ticketID: Int64, actor: String, at: Date) -> SQL {
        """
        INSERT INTO ticket_events (ticket_id, at, kind, from_status, to_status, note, is_public, actor)
        VALUES (\(ticketID), \(at), \(e.kind), \(e.from), \(e.to), \(e.note), \(e.isPublic), \(actor))
        """
    }
}

extension TicketStatus: SQLBindable {}
extension TicketEventKind: SQLBindable {}
extension TicketPriority: SQLBindable {}
