import Domain
import Foundation
import Gateway

/// Crews and their jobs, for both stores: the roster (add, list, remove), who a number is, a
/// crew's open jobs, assigning a ticket to a crew and a crew's report from the site.
public enum CrewStatements {
    static let phones: SQL = """
        \(sqlite: "(SELECT group_concat(msisdn, ',') FROM (SELECT msisdn FROM crew_members WHERE crew_id = c.id ORDER BY msisdn))",
          postgres: "(SELECT string_agg(msisdn, ',' ORDER BY msisdn) FROM crew_members WHERE crew_id = c.id)")
        """
    static var columns: SQL { "c.id, c.moe, c.name, c.language, c.services, c.areas, \(phones) AS phones" }

    public static func crew(_ row: any SQLRow) throws -> Crew {
        func list(_ column: String) throws -> [String] { (try row.text(column) ?? "").split(separator: ",").map(String.init) }
        return Crew(id: try row.integer(required: "id"), moe: try row.text(required: "moe"), name: try row.text(required: "name"),
                    language: try row.text(required: "language"), phones: try list("phones").compactMap { MSISDN($0) },
                    services: try list("services"), areas: try list("areas"))
    }

    /// The crew `msisdn` belongs to, if any (its members are not read).
    public static func member(_ msisdn: MSISDN) -> SQL {
        """
        SELECT c.id, c.moe, c.name, c.language, c.services, c.areas, '' AS phones FROM crew_members m JOIN crews c ON c.id = m.crew_id
        WHERE m.msisdn = \(msisdn.e164) AND c.removed_at IS NULL
        """
    }

    /// A crew's open jobs, oldest first (`tickets_crew` serves it).
    public static func jobs(crew id: Int64, limit: Int) -> SQL {
        """
        SELECT t.reference, t.service, t.fault, t.area, t.address, t.status, \(raw: DueDate.sql) AS due, t.created_at FROM tickets t
        WHERE t.crew_id = \(id) AND t.status IN \(list: WorklistQuery.open) ORDER BY t.created_at, t.id LIMIT \(max(1, min(limit, 100)))
        """
    }

    public static func job(_ row: any SQLRow) throws -> CrewJob {
        CrewJob(reference: try row.reference("reference"), service: try row.text(required: "service"), fault: try row.text("fault"),
                area: try row.text(required: "area"), address: try row.text("address"), status: try row.value("status", as: TicketStatus.self),
                dueAt: try row.date("due"), createdAt: try row.date(required: "created_at"))
    }

    /// What the rules need of a ticket a crew reports on.
    public static func fieldState(_ reference: Reference) -> SQL {
        "SELECT reference, status, moe, queue, crew_id, on_site_at FROM tickets WHERE reference = \(reference.digits)"
    }

    public static func fieldState(_ row: any SQLRow) throws -> TicketState {
        TicketState(reference: try row.reference("reference"), status: try row.value("status", as: TicketStatus.self), moe: try row.text(required: "moe"),
                    queue: try row.text(required: "queue"), expectedAt: nil, duplicateOf: nil, crewID: try row.integer("crew_id"),
                    onSite: try row.date("on_site_at") != nil)
    }

    static func named(_ name: String, moe: SQL) -> SQL {
        "SELECT \(columns) FROM crews c WHERE c.removed_at IS NULL AND lower(c.name) = lower(\(name)) AND c.moe = (\(moe))\(SQL.forUpdate(of: "c"))"
    }

    static func add(_ crew: Crew, at: Date, actor: String) -> SQLFlow<CrewAddOutcome> {
        let taken: SQL = "SELECT id FROM crews WHERE moe = \(crew.moe) AND lower(name) = lower(\(crew.name)) AND removed_at IS NULL"
        let numbers: SQL = """
            SELECT m.msisdn, c.name FROM crew_members m JOIN crews c ON c.id = m.crew_id WHERE m.msisdn IN \(list: crew.phones.map(\.e164)) ORDER BY m.msisdn
            """
        return .run([taken, numbers]) { rows in
            if !rows[0].isEmpty { return .done(.nameTaken) }
            if let row = rows[1].first, let number = MSISDN(try row.text(required: "msisdn")) {
                return .done(.numberTaken(number, crew: try row.text(required: "name")))
            }
            let insert: SQL = """
                INSERT INTO crews (moe, name, language, services, areas, created_at)
                VALUES (\(crew.moe), \(crew.name), \(crew.language), \(crew.services.joined(separator: ",")), \(crew.areas.joined(separator: ",")), \(at))
                RETURNING id
                """
            return .run(insert) { inserted in
                guard let id = try inserted.first?.integer(required: "id") else { throw SQLRowError(column: "id", problem: "no row returned") }
                var added = crew
                added.id = id
                let members: [SQL] = crew.phones.map { "INSERT INTO crew_members (msisdn, crew_id) VALUES (\($0.e164), \(id))" }
                let audit = AuditStatements.append(actor: actor, action: .crewAdded, reference: nil,
                                                   detail: "\(crew.moe)/\(crew.name): \(crew.phones.count) number(s)", address: nil, at: at)
                return .write(members + [audit], .added(added))
            }
        }
    }

    /// The crew, then its open jobs (locked), each released by the ticket rules; then the crew.
    static func remove(_ name: String, moe: String, actor: String, at: Date) -> SQLFlow<[Reference]?> {
        .run(named(name, moe: "\(moe)")) { rows in
            guard let row = rows.first else { return .done(nil) }
            let crew = try crew(row)
            let open: SQL = """
                SELECT \(raw: TicketStatements.stateColumns) FROM \(raw: TicketStatements.from)
                WHERE t.crew_id = \(crew.id) AND t.status IN \(list: WorklistQuery.open) ORDER BY t.id\(SQL.forUpdate(of: "t"))
                """
            return .run(open) { jobs in
                var writes: [SQL] = []
                var told: [WebhookDraft] = []
                var released: [Reference] = []
                for job in jobs {
                    let record = try TicketStatements.record(job)
                    guard case .success(let changes) = record.state.decide(.releaseCrew(name: crew.name)) else { continue }
                    let snapshot = TicketSnapshot(ticket: record, master: nil, reporters: [], supervisors: [])
                    let audit = TicketAudit(action: .ticket(.releaseCrew(name: crew.name)), detail: "crew \(crew.name) removed")
                    let work = TicketDesk.work(changes, snapshot, audit: audit, actor: actor, at: at, triageMOE: "", notice: noReporterNotice)
                    writes += TicketStatements.writes(work)
                    told += WebhookDraft.drafts(for: work)
                    released.append(record.state.reference)
                }
                writes += [
                    "UPDATE crews SET removed_at = \(at) WHERE id = \(crew.id)",
                    "DELETE FROM crew_members WHERE crew_id = \(crew.id)",
                    AuditStatements.append(actor: actor, action: .crewRemoved, reference: nil,
                                           detail: "\(moe)/\(crew.name): \(released.count) open job(s) back in the queue", address: nil, at: at),
                ]
                let (drafts, references) = (told, released)
                return SQLFlow<Void>.write(writes, ()).then { WebhookStatements.capture(drafts, at: at) }.then { .done(references) }
            }
        }
    }

    static func board(moe: String?, since: Date) -> SQL {
        """
        SELECT \(columns),
               (SELECT COUNT(*) FROM tickets t WHERE t.crew_id = c.id AND t.status IN \(list: WorklistQuery.open)) AS open_jobs,
               (SELECT MIN(t.created_at) FROM tickets t WHERE t.crew_id = c.id AND t.status IN \(list: WorklistQuery.open)) AS oldest,
               (SELECT COUNT(*) FROM tickets t WHERE t.crew_id = c.id AND t.status IN \(list: [TicketStatus.resolved, .closed])
                  AND EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = \(TicketEventKind.status)
                              AND e.to_status = \(TicketStatus.resolved) AND e.at >= \(since))) AS done_today
        FROM crews c WHERE c.removed_at IS NULL AND \(SQL.scoped("c.moe", to: moe)) ORDER BY c.moe, lower(c.name)
        """
    }

    /// Reads the crew named `name` in the ticket's MOE, then the ticket as for any change; `plan`
    /// gets both (no crew: nil).
    public static func assign<R: Sendable>(crew name: String, to reference: Reference, scope: String?, triageMOE: String,
                                           _ plan: @escaping @Sendable (TicketSnapshot, Crew?) -> (work: [TicketWork], result: R)) -> SQLExchange<R?> {
        let id: SQL = "SELECT id FROM tickets WHERE reference = \(reference.digits)"
        let moe: SQL = "SELECT moe FROM tickets WHERE reference = \(reference.digits) AND \(SQL.scoped("moe", to: scope))"
        return TicketStatements.change(id: id, ticket: TicketStatements.ticket(reference, scope: scope), master: nil, triageMOE: triageMOE,
                                       first: [named(name, moe: moe)]) { snapshot, rows in
            let (work, result) = plan(snapshot, try rows[0].first.map(crew))
            return (work, [], result, [])
        }
    }

    /// A crew member's report from the site, inside the hop that carries it.
    public static func field(_ report: CrewFieldReport, at: Date) -> SQLExchange<Void?> {
        let id: SQL = "SELECT id FROM tickets WHERE reference = \(report.reference.digits)"
        return TicketStatements.change(id: id, ticket: TicketStatements.ticket(report.reference, scope: nil), master: nil,
                                       triageMOE: report.triageMOE) { snapshot, _ in
            (TicketDesk.field(report, snapshot, at: at), [], (), [])
        }
    }
}

extension CrewRoster where Self: SQLBacked {
    public func addCrew(_ crew: Crew, at: Date, actor: String) async throws -> CrewAddOutcome {
        try await statements.run(CrewStatements.add(crew, at: at, actor: actor))
    }

    public func crews(moe: String?) async throws -> [Crew] {
        try await statements.read("SELECT \(CrewStatements.columns) FROM crews c WHERE c.removed_at IS NULL AND \(SQL.scoped("c.moe", to: moe)) ORDER BY c.moe, lower(c.name)",
                                  CrewStatements.crew)
    }

    public func removeCrew(named name: String, moe: String, actor: String, at: Date) async throws -> [Reference]? {
        try await statements.run(CrewStatements.remove(name, moe: moe, actor: actor, at: at))
    }

    public func fieldRecords(moe: String?, from: Date, to: Date) async throws -> [FieldRecord] {
        try await statements.read("""
            SELECT t.crew_assigned_at, t.on_site_at,
                   (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = \(TicketEventKind.status)
                      AND e.to_status = \(TicketStatus.resolved) AND e.at >= t.crew_assigned_at) AS fixed_at,
                   EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind IN \(list: [TicketEventKind.cannotFix, .reopened])) AS revisited
            FROM tickets t WHERE t.crew_assigned_at >= \(from) AND t.crew_assigned_at < \(to) AND \(SQL.scoped("t.moe", to: moe))
            """) { row in
            FieldRecord(assignedAt: try row.date(required: "crew_assigned_at"), onSiteAt: try row.date("on_site_at"), fixedAt: try row.date("fixed_at"),
                        revisited: try row.bool(required: "revisited"))
        }
    }

    public func crewBoard(moe: String?, since: Date) async throws -> [CrewBoardRow] {
        try await statements.read(CrewStatements.board(moe: moe, since: since)) { row in
            CrewBoardRow(crew: try CrewStatements.crew(row), openJobs: try row.int("open_jobs"), oldestJob: try row.date("oldest"),
                         doneToday: try row.int("done_today"))
        }
    }
}

extension TicketLedger where Self: SQLBacked {
    public func assigning<R: Sendable>(crew name: String, to reference: Reference, scope: String?, triageMOE: String,
                                       _ plan: @escaping @Sendable (TicketSnapshot, Crew?) -> (work: [TicketWork], result: R)) async throws -> R? {
        try await statements.run(CrewStatements.assign(crew: name, to: reference, scope: scope, triageMOE: triageMOE, plan))
    }
}
