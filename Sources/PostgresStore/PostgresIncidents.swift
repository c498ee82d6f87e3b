import Domain
import Foundation
import Gateway
import Logging
import PostgresNIO

extension PostgresStaffStore {
    public func declare(_ d: IncidentDraft, moe: String, actor: String, address: String?, at: Date) async throws -> Incident {
        let areas = (d.areas ?? []).joined(separator: ",")
        return try await client.withTransaction(logger: logger) { tx in
            var id: Int64 = 0
            for try await new in try await tx.query("""
                INSERT INTO incidents (moe, service, faults, areas, description, expected_at, status, created_at, updated_at)
                VALUES (\(moe), \(d.service ?? ""), \((d.faults ?? []).joined(separator: ",")), \(areas), \(d.description ?? ""), \(d.expectedAt),
                        'open', \(at), \(at))
                RETURNING id
                """, logger: logger).decode(Int64.self) { id = new }
            try await Self.record(tx, id, kind: "declared", d.description, d.expectedAt, areas, actor: actor, address: address, at: at, logger: logger)
            guard let incident = try await Self.incident(tx, id, moe: moe, lock: false, logger: logger) else { throw PostgresStoreError.noRowReturned }
            return incident
        }
    }

    public func changeIncident(_ id: Int64, moe: String, _ d: IncidentDraft, closing: Bool, broadcast: IncidentBroadcast?, actor: String,
                               address: String?, at: Date) async throws -> Incident? {
        try await client.withTransaction(logger: logger) { tx in
            guard let current = try await Self.incident(tx, id, moe: moe, lock: true, logger: logger) else { return nil }
            guard current.isOpen else { return current }
            // Applied to what is stored now: areas added meanwhile by someone else are kept.
            let after = IncidentRules.applying(d, to: current)
            let areas = after.areas.joined(separator: ",")
            try await tx.query("""
                UPDATE incidents SET faults = \(after.faults.joined(separator: ",")), areas = \(areas),
                       description = \(after.description), expected_at = \(after.expectedAt),
                       status = \(closing ? "closed" : "open"), updated_at = \(at), closed_at = \(closing ? at : nil)
                WHERE id = \(id)
                """, logger: logger)
            try await Self.record(tx, id, kind: closing ? "closed" : "updated", d.description, d.expectedAt, areas, actor: actor, address: address,
                                  at: at, logger: logger)
            if let broadcast { try await PostgresIncidentRows.broadcast(tx, id, broadcast, at: at, logger: logger) }
            return try await Self.incident(tx, id, moe: moe, lock: false, logger: logger)
        }
    }

    public func linkTickets(to id: Int64, moe: String, _ s: TicketSelection, actor: String, address: String?, at: Date) async throws -> Int? {
        try await client.withTransaction(logger: logger) { tx in
            guard let incident = try await Self.incident(tx, id, moe: moe, lock: true, logger: logger) else { return nil }
            var q = SQLText("INSERT INTO incident_tickets (ticket_id, incident_id, linked_at, linked_by) SELECT t.id, ")
            q.sql += "\(try q.bind(id)), \(try q.bind(at)), \(try q.bind(actor)) FROM tickets t WHERE t.moe = \(try q.bind(moe))"
            q.sql += " AND t.service = \(try q.bind(incident.service)) AND t.status = ANY(\(try q.bind(PostgresIncidentRows.openStatuses)))"
            q.sql += " AND t.area = ANY(\(try q.bind(s.areas.isEmpty ? incident.areas : s.areas)))"
            q.sql += " AND NOT EXISTS (SELECT 1 FROM incident_tickets l WHERE l.ticket_id = t.id)"
            if !s.faults.isEmpty { q.sql += " AND t.fault = ANY(\(try q.bind(s.faults)))" }
            if let since = s.since { q.sql += " AND t.created_at >= \(try q.bind(since))" }
            if !s.references.isEmpty { q.sql += " AND t.reference = ANY(\(try q.bind(s.references.map(\.digits))))" }
            q.sql += " ON CONFLICT (ticket_id) DO NOTHING RETURNING ticket_id"
            let linked = try await tx.query(q.query, logger: logger).decode(Int64.self).reduce(0) { n, _ in n + 1 }
            try await tx.query("""
                INSERT INTO audit_log (at, actor, action, detail, address) VALUES (\(at), \(actor), 'incident linked', \("incident \(id): \(linked) tickets"), \(address))
                """, logger: logger)
            return linked
        }
    }

    public func unlinkTicket(_ reference: Reference, from id: Int64, moe: String, actor: String, address: String?, at: Date) async throws -> Bool {
        try await client.withTransaction(logger: logger) { tx in
            guard try await Self.incident(tx, id, moe: moe, lock: false, logger: logger) != nil else { return false }
            var ticketID: Int64?
            for try await t in try await tx.query("""
                DELETE FROM incident_tickets l USING tickets t WHERE l.ticket_id = t.id AND t.reference = \(reference.digits) AND l.incident_id = \(id)
                RETURNING t.id
                """, logger: logger).decode(Int64.self) { ticketID = t }
            guard let ticketID else { return false }
            try await tx.query("""
                INSERT INTO audit_log (at, actor, action, ticket_id, detail, address) VALUES (\(at), \(actor), 'incident unlinked', \(ticketID), \("incident \(id)"), \(address))
                """, logger: logger)
            return true
        }
    }

    public func incidentRecords(moe: String?, from: Date, to: Date) async throws -> [IncidentRecord] {
        var out: [IncidentRecord] = []
        for try await (id, created, closed, residents, linked) in try await client.query("""
            SELECT i.id, i.created_at, i.closed_at,
                   (SELECT COUNT(*) FROM incident_residents r WHERE r.incident_id = i.id),
                   (SELECT COUNT(*) FROM incident_tickets l WHERE l.incident_id = i.id)
            FROM incidents i WHERE (\(moe)::TEXT IS NULL OR i.moe = \(moe)) AND i.created_at >= \(from) AND i.created_at < \(to) ORDER BY i.id
            """, logger: logger).decode((Int64, Date, Date?, Int64, Int64).self) {
            out.append(IncidentRecord(id: id, createdAt: created, closedAt: closed, residents: Int(residents), linkedTickets: Int(linked)))
        }
        return out
    }

    public func incidentReach(_ id: Int64, limit: Int) async throws -> IncidentReach {
        var tickets: [IncidentReach.Linked] = []
        for try await (digits, fault, area, status, created) in try await client.query("""
            SELECT t.reference, t.fault, t.area, t.status, t.created_at FROM incident_tickets l JOIN tickets t ON t.id = l.ticket_id
            WHERE l.incident_id = \(id) ORDER BY t.created_at DESC, t.id DESC LIMIT \(limit)
            """, logger: logger).decode((String, String, String, String, Date).self) {
            guard let reference = try? Reference(parsing: digits), let status = TicketStatus(rawValue: status) else { continue }
            tickets.append(IncidentReach.Linked(reference: reference, fault: fault, area: area, status: status, createdAt: created))
        }
        var linked: Int64 = 0, residents: Int64 = 0
        for try await (l, r) in try await client.query("""
            SELECT (SELECT COUNT(*) FROM incident_tickets WHERE incident_id = \(id)), (SELECT COUNT(*) FROM incident_residents WHERE incident_id = \(id))
            """, logger: logger).decode((Int64, Int64).self) { (linked, residents) = (l, r) }
        return IncidentReach(tickets: tickets, linkedCount: Int(linked), residents: Int(residents))
    }

    public func incident(_ id: Int64, moe: String) async throws -> Incident? {
        try await client.withConnection { c in try await Self.incident(c, id, moe: moe, lock: false, logger: logger) }
    }

    public func openIncidents(moe: String?) async throws -> [Incident] {
        var out: [Incident] = []
        for try await row in try await client.query("""
            SELECT \(unescaped: Self.incidentColumns) FROM incidents WHERE status = 'open' AND (\(moe)::TEXT IS NULL OR moe = \(moe))
            ORDER BY created_at DESC, id DESC
            """, logger: logger) {
            out.append(try Self.incident(row))
        }
        return out
    }

    public func incidentHistory(_ id: Int64) async throws -> [IncidentEvent] {
        var out: [IncidentEvent] = []
        for try await (at, kind, description, expected, areas, actor) in try await client.query("""
            SELECT at, kind, description, expected_at, areas, actor FROM incident_events WHERE incident_id = \(id) ORDER BY id
            """, logger: logger).decode((Date, String, String?, Date?, String?, String).self) {
            out.append(IncidentEvent(at: at, kind: kind, description: description, expectedAt: expected, areas: Incident.codes(areas ?? ""), actor: actor))
        }
        return out
    }

    static let incidentColumns = "id, moe, service, faults, areas, description, expected_at, status, created_at, updated_at"

    static func record(_ tx: PostgresConnection, _ id: Int64, kind: String, _ description: String?, _ expectedAt: Date?, _ areas: String,
                       actor: String, address: String?, at: Date, logger: Logger) async throws {
        try await tx.query("""
            INSERT INTO incident_events (incident_id, at, kind, description, expected_at, areas, actor)
            VALUES (\(id), \(at), \(kind), \(description), \(expectedAt), \(areas), \(actor))
            """, logger: logger)
        try await tx.query("""
            INSERT INTO audit_log (at, actor, action, detail, address) VALUES (\(at), \(actor), \("incident \(kind)"), \("incident \(id): \(areas)"), \(address))
            """, logger: logger)
    }

    static func incident(_ c: PostgresConnection, _ id: Int64, moe: String, lock: Bool, logger: Logger) async throws -> Incident? {
        var found: Incident?
        let sql: PostgresQuery = lock
            ? "SELECT \(unescaped: incidentColumns) FROM incidents WHERE id = \(id) AND moe = \(moe) FOR UPDATE"
            : "SELECT \(unescaped: incidentColumns) FROM incidents WHERE id = \(id) AND moe = \(moe)"
        for try await row in try await c.query(sql, logger: logger) { found = try incident(row) }
        return found
    }

    static func incident(_ row: PostgresRow) throws -> Incident {
        let (id, moe, service, faults, areas, description, expected, status, created, updated) =
            try row.decode((Int64, String, String, String, String, String, Date?, String, Date, Date).self)
        return Incident(id: id, moe: moe, service: service, faults: Incident.codes(faults), areas: Incident.codes(areas), description: description,
                        expectedAt: expected, isOpen: status == "open", createdAt: created, updatedAt: updated)
    }
}

/// As `Store.IncidentRows`: who is attached, which tickets are linked, and the broadcasts.
enum PostgresIncidentRows {
    static let openStatuses = TicketStatus.allCases.filter(\.isOpen).map(\.rawValue)

    static func open(_ c: PostgresConnection, service: String, logger: Logger) async throws -> [Incident] {
        var out: [Incident] = []
        for try await row in try await c.query("""
            SELECT \(unescaped: PostgresStaffStore.incidentColumns) FROM incidents WHERE status = 'open' AND service = \(service)
            """, logger: logger) {
            out.append(try PostgresStaffStore.incident(row))
        }
        return out
    }

    /// A new ticket that an open incident covers is linked to it.
    static func linkIfCovered(_ tx: PostgresConnection, ticketID: Int64, _ d: TicketDraft, at: Date, logger: Logger) async throws {
        let open = try await open(tx, service: d.service, logger: logger)
        guard let incident = Incident.about(service: d.service, fault: d.fault, area: d.area, among: open) else { return }
        try await tx.query("""
            INSERT INTO incident_tickets (ticket_id, incident_id, linked_at, linked_by) VALUES (\(ticketID), \(incident.id), \(at), 'report')
            """, logger: logger)
    }

    /// Once per number; not to an incident closed since the caller was told of it.
    static func attach(_ tx: PostgresConnection, _ a: IncidentAttachment, at: Date, logger: Logger) async throws {
        try await tx.query("""
            INSERT INTO incident_residents (incident_id, msisdn, language, channel, attached_at)
            SELECT id, \(a.msisdn.e164), \(a.language), \(a.channel.rawValue), \(at) FROM incidents WHERE id = \(a.incidentID) AND status = 'open'
            ON CONFLICT (incident_id, msisdn) DO NOTHING
            """, logger: logger)
    }

    /// Queues the broadcast to every attached resident and reporter of a linked ticket, once per
    /// number, in their language, with one statement per language.
    static func broadcast(_ tx: PostgresConnection, _ id: Int64, _ b: IncidentBroadcast, at: Date, logger: Logger) async throws {
        var numbers: [String: [String]] = [:]
        for try await (msisdn, language) in try await tx.query("""
            SELECT r.msisdn, COALESCE(s.language, MIN(r.language)) FROM (
                SELECT msisdn, language FROM incident_residents WHERE incident_id = \(id)
                UNION
                SELECT t.reporter, t.language FROM incident_tickets l JOIN tickets t ON t.id = l.ticket_id
                WHERE l.incident_id = \(id) AND t.reporter IS NOT NULL
            ) r LEFT JOIN subscribers s ON s.msisdn = r.msisdn GROUP BY r.msisdn, s.language
            """, logger: logger).decode((String, String?).self) {
            let key = language.flatMap { b.bodies[$0] == nil ? nil : $0 } ?? b.fallback
            numbers[key, default: []].append(msisdn)
        }
        for (language, msisdns) in numbers {
            guard let body = b.bodies[language] else { continue }
            try await tx.query("""
                INSERT INTO outbox (msisdn, body, priority, next_attempt_at, created_at, updated_at)
                SELECT unnest(\(msisdns)::TEXT[]), \(body), 1, \(at), \(at), \(at)
                """, logger: logger)
        }
    }
}
