import Domain
import Foundation
import Gateway

/// Incidents, for both stores: declared, updated and closed with their history and audit, the
/// broadcast of their news, tickets linked and unlinked, and their reads. (What a hop does with
/// them, on its own hot path, stays with each store.)
public protocol IncidentBacked: SQLBacked {
    /// Told after an incident was declared or changed and that has committed (SQLite forgets the
    /// open incidents it holds for the area step).
    func incidentsChanged()
}

extension IncidentBacked {
    public func incidentsChanged() {}
}

public enum IncidentStatements {
    public static let columns = """
        i.id, i.moe, i.service, i.faults, i.areas, i.description, i.expected_at, i.status, i.created_at, i.updated_at, i.starts_at, i.closed_at, i.sequence
        """

    public static func incident(_ row: any SQLRow) throws -> Incident {
        Incident(id: try row.integer(required: "id"), moe: try row.text(required: "moe"), service: try row.text(required: "service"),
                 faults: Incident.codes(try row.text(required: "faults")), areas: Incident.codes(try row.text(required: "areas")),
                 description: try row.text(required: "description"), expectedAt: try row.date("expected_at"),
                 isOpen: try row.text(required: "status") == "open", createdAt: try row.date(required: "created_at"), updatedAt: try row.date(required: "updated_at"),
                 startsAt: try row.date("starts_at"), closedAt: try row.date("closed_at"), sequence: try row.int("sequence"))
    }

    static func incident(_ id: Int64, moe: String, lock: Bool = false) -> SQL {
        "SELECT \(raw: columns) FROM incidents i WHERE i.id = \(id) AND i.moe = \(moe)" + (lock ? SQL.forUpdate(of: "i") : "")
    }

    /// The incident's history entry and the audit entry.
    static func record(_ id: Int64, kind: String, _ description: String?, _ expectedAt: Date?, _ areas: String, actor: String, address: String?,
                       at: Date) -> [SQL] {
        ["""
         INSERT INTO incident_events (incident_id, at, kind, description, expected_at, areas, actor)
         VALUES (\(id), \(at), \(kind), \(description), \(expectedAt), \(areas), \(actor))
         """,
         "INSERT INTO audit_log (at, actor, action, detail, address) VALUES (\(at), \(actor), \("incident \(kind)"), \("incident \(id): \(areas)"), \(address))"]
    }

    /// Who hears an incident's news: attached residents and reporters of linked tickets, once per
    /// number, in the language they chose last (their subscriber language, else the one they used).
    static func recipients(_ id: Int64) -> SQL {
        """
        SELECT r.msisdn AS msisdn, COALESCE(s.language, MIN(r.language)) AS language FROM (
            SELECT msisdn, language FROM incident_residents WHERE incident_id = \(id)
            UNION
            SELECT t.reporter, t.language FROM incident_tickets l JOIN tickets t ON t.id = l.ticket_id
            WHERE l.incident_id = \(id) AND t.reporter IS NOT NULL
        ) r LEFT JOIN subscribers s ON s.msisdn = r.msisdn GROUP BY r.msisdn, s.language
        """
    }

    /// The broadcast queued behind every reply (priority 1): one statement per language, each
    /// recipient in theirs, or the fallback's.
    static func broadcast(_ id: Int64, _ b: IncidentBroadcast, at: Date) -> [SQL] {
        let known = b.bodies.keys.sorted()
        return known.map { language in
            let matches: SQL = language == b.fallback
                ? "(r.language = \(language) OR r.language IS NULL OR r.language NOT IN \(list: known))" : "r.language = \(language)"
            return """
                INSERT INTO outbox (msisdn, body, priority, next_attempt_at, created_at, updated_at)
                SELECT r.msisdn, \(b.bodies[language] ?? ""), 1, \(at), \(at), \(at) FROM (\(recipients(id))) r WHERE \(matches)
                """
        }
    }

    static func linkTickets(to incident: Incident, _ s: TicketSelection, actor: String, at: Date) -> SQL {
        var q: SQL = """
            INSERT INTO incident_tickets (ticket_id, incident_id, linked_at, linked_by)
            SELECT t.id, \(incident.id), \(at), \(actor) FROM tickets t
            WHERE t.moe = \(incident.moe) AND t.service = \(incident.service) AND t.status IN \(list: WorklistQuery.open)
              AND t.area IN \(list: s.areas.isEmpty ? incident.areas : s.areas)
              AND NOT EXISTS (SELECT 1 FROM incident_tickets l WHERE l.ticket_id = t.id)
            """
        if !s.faults.isEmpty { q = q + " AND t.fault IN \(list: s.faults)" }
        if let since = s.since { q = q + " AND t.created_at >= \(since)" }
        if !s.references.isEmpty { q = q + " AND t.reference IN \(list: s.references.map(\.digits))" }
        return q + " ON CONFLICT (ticket_id) DO NOTHING RETURNING ticket_id"
    }
}

extension IncidentStore where Self: IncidentBacked {
    public func declare(_ d: IncidentDraft, moe: String, actor: String, address: String?, at: Date, calendar: MunicipalCalendar) async throws -> Incident {
        let areas = (d.areas ?? []).joined(separator: ",")
        defer { incidentsChanged() }
        return try await statements.run(.run("""
            INSERT INTO incidents (moe, service, faults, areas, description, expected_at, starts_at, status, created_at, updated_at)
            VALUES (\(moe), \(d.service ?? ""), \((d.faults ?? []).joined(separator: ",")), \(areas), \(d.description ?? ""), \(d.expectedAt), \(d.startsAt),
                    'open', \(at), \(at))
            RETURNING id
            """) { rows in
            let id = try rows[0].integer(required: "id")
            return .run(IncidentStatements.record(id, kind: "declared", d.description, d.expectedAt, areas, actor: actor, address: address, at: at)
                        + [IncidentStatements.incident(id, moe: moe)]) { rows in
                guard let row = rows.last?.first else { throw SQLRowError(column: "id", problem: "the new incident is not there") }
                let incident = try IncidentStatements.incident(row)
                let alerts = SQLFlow<Void>.write(AlertStatements.schedule(AreaAlertSchedule.declared(incident, now: at, calendar: calendar), incident: id, at: at), ())
                return alerts.then { _ in WebhookStatements.capture([.incident(incident, kind: "declared")], at: at) }.then { _ in .done(incident) }
            }
        })
    }

    public func changeIncident(_ id: Int64, moe: String, _ d: IncidentDraft, closing: Bool, broadcast: IncidentBroadcast?, actor: String,
                               address: String?, at: Date, calendar: MunicipalCalendar) async throws -> Incident? {
        defer { incidentsChanged() }
        return try await statements.run(.run(IncidentStatements.incident(id, moe: moe, lock: true)) { rows in
            guard let row = rows.first else { return .done(nil) }
            let current = try IncidentStatements.incident(row)
            guard current.isOpen else { return .done(current) }
            // Applied to what is stored now: areas added meanwhile by someone else are kept.
            let after = IncidentRules.applying(d, to: current)
            let areas = after.areas.joined(separator: ",")
            let update: SQL = """
                UPDATE incidents SET faults = \(after.faults.joined(separator: ",")), areas = \(areas), description = \(after.description),
                       expected_at = \(after.expectedAt), starts_at = \(after.startsAt), status = \(closing ? "closed" : "open"), updated_at = \(at),
                       closed_at = \(closing ? at : nil), sequence = sequence + 1
                WHERE id = \(id)
                """
            let record = IncidentStatements.record(id, kind: closing ? "closed" : "updated", d.description, d.expectedAt, areas, actor: actor,
                                                   address: address, at: at)
            let news = broadcast.map { IncidentStatements.broadcast(id, $0, at: at) } ?? []
            return .run([update] + record + news + [IncidentStatements.incident(id, moe: moe)]) { rows in
                guard let incident = try rows.last?.first.map(IncidentStatements.incident) else { return .done(nil) }
                let alerts = AlertStatements.reschedule(id, at: at) { alerts in
                    closing ? AreaAlertSchedule.closed(incident, alerts: alerts, now: at)
                        : AreaAlertSchedule.updated(current, incident, news: broadcast != nil, alerts: alerts, now: at, calendar: calendar)
                }
                return alerts.then { _ in WebhookStatements.capture([.incident(incident, kind: closing ? "closed" : "updated")], at: at) }
                    .then { _ in .done(incident) }
            }
        })
    }

    public func linkTickets(to id: Int64, moe: String, _ s: TicketSelection, actor: String, address: String?, at: Date) async throws -> Int? {
        try await statements.run(.run(IncidentStatements.incident(id, moe: moe, lock: true)) { rows in
            guard let row = rows.first else { return .done(nil) }
            return .run(IncidentStatements.linkTickets(to: try IncidentStatements.incident(row), s, actor: actor, at: at)) { linked in
                .write(["""
                        INSERT INTO audit_log (at, actor, action, detail, address)
                        VALUES (\(at), \(actor), \(AuditAction.incidentLinked.rawValue), \("incident \(id): \(linked.count) tickets"), \(address))
                        """], linked.count)
            }
        })
    }

    public func unlinkTicket(_ reference: Reference, from id: Int64, moe: String, actor: String, address: String?, at: Date) async throws -> Bool {
        try await statements.run(.run("""
            SELECT t.id FROM tickets t JOIN incident_tickets l ON l.ticket_id = t.id JOIN incidents i ON i.id = l.incident_id
            WHERE t.reference = \(reference.digits) AND l.incident_id = \(id) AND i.moe = \(moe)
            """) { rows in
            guard let ticket = try rows.first?.integer(required: "id") else { return .done(false) }
            return .write(["DELETE FROM incident_tickets WHERE ticket_id = \(ticket)",
                           """
                           INSERT INTO audit_log (at, actor, action, ticket_id, detail, address)
                           VALUES (\(at), \(actor), \(AuditAction.incidentUnlinked.rawValue), \(ticket), \("incident \(id)"), \(address))
                           """], true)
        })
    }

    public func incidentRecords(moe: String?, from: Date, to: Date) async throws -> [IncidentRecord] {
        try await statements.read("""
            SELECT i.id, i.created_at, i.closed_at,
                   (SELECT COUNT(*) FROM incident_residents r WHERE r.incident_id = i.id) AS residents,
                   (SELECT COUNT(*) FROM incident_tickets l WHERE l.incident_id = i.id) AS linked
            FROM incidents i WHERE \(SQL.scoped("i.moe", to: moe)) AND i.created_at >= \(from) AND i.created_at < \(to) ORDER BY i.id
            """) {
            IncidentRecord(id: try $0.integer(required: "id"), createdAt: try $0.date(required: "created_at"), closedAt: try $0.date("closed_at"),
                           residents: try $0.int("residents"), linkedTickets: try $0.int("linked"))
        }
    }

    public func incidentReach(_ id: Int64, limit: Int) async throws -> IncidentReach {
        try await statements.look(.run([
            """
            SELECT t.reference, t.fault, t.area, t.status, t.created_at FROM incident_tickets l JOIN tickets t ON t.id = l.ticket_id
            WHERE l.incident_id = \(id) ORDER BY t.created_at DESC, t.id DESC LIMIT \(max(1, limit))
            """,
            """
            SELECT (SELECT COUNT(*) FROM incident_tickets WHERE incident_id = \(id)) AS linked,
                   (SELECT COUNT(*) FROM incident_residents WHERE incident_id = \(id)) AS residents
            """,
        ]) { rows in
            let tickets = try rows[0].map {
                IncidentReach.Linked(reference: try $0.reference("reference"), fault: try $0.text(required: "fault"), area: try $0.text(required: "area"),
                                     status: try $0.value("status", as: TicketStatus.self), createdAt: try $0.date(required: "created_at"))
            }
            return .done(IncidentReach(tickets: tickets, linkedCount: try rows[1].first?.int("linked") ?? 0, residents: try rows[1].first?.int("residents") ?? 0))
        })
    }

    public func incident(_ id: Int64, moe: String) async throws -> Incident? {
        try await statements.read(IncidentStatements.incident(id, moe: moe), IncidentStatements.incident).first
    }

    public func openIncidents(moe: String?) async throws -> [Incident] {
        try await statements.read("""
            SELECT \(raw: IncidentStatements.columns) FROM incidents i WHERE i.status = 'open' AND \(SQL.scoped("i.moe", to: moe))
            ORDER BY i.created_at DESC, i.id DESC
            """, IncidentStatements.incident)
    }

    public func incidentHistory(_ id: Int64) async throws -> [IncidentEvent] {
        try await statements.read("SELECT at, kind, description, expected_at, areas, actor FROM incident_events WHERE incident_id = \(id) ORDER BY id") {
            IncidentEvent(at: try $0.date(required: "at"), kind: try $0.text(required: "kind"), description: try $0.text("description"),
                          expectedAt: try $0.date("expected_at"), areas: Incident.codes(try $0.text("areas") ?? ""), actor: try $0.text(required: "actor"))
        }
    }
}
