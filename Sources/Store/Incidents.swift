import Domain
import Foundation
import Gateway
import GRDB

extension SQLiteStaffStore {
    static let incidentColumns = "id, moe, service, faults, areas, description, expected_at, status, created_at, updated_at"

    public func declare(_ d: IncidentDraft, moe: String, actor: String, address: String?, at: Date) async throws -> Incident {
        defer { database.openIncidents.forget() }  // once committed: callers' area steps read them again
        return try await database.writer.write { db in
            let areas = (d.areas ?? []).joined(separator: ",")
            try db.execute(sql: """
                INSERT INTO incidents (moe, service, faults, areas, description, expected_at, status, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)
                """, arguments: [moe, d.service ?? "", (d.faults ?? []).joined(separator: ","), areas, d.description ?? "", d.expectedAt, at, at])
            let id = db.lastInsertedRowID
            try Self.record(db, id, kind: "declared", d.description, d.expectedAt, areas, actor: actor, address: address, at: at)
            return try Self.incident(db, id, moe: moe)!
        }
    }

    public func changeIncident(_ id: Int64, moe: String, _ d: IncidentDraft, closing: Bool, broadcast: IncidentBroadcast?, actor: String,
                               address: String?, at: Date) async throws -> Incident? {
        defer { database.openIncidents.forget() }
        return try await database.writer.write { db in
            guard let current = try Self.incident(db, id, moe: moe) else { return nil }
            guard current.isOpen else { return current }
            // Applied to what is stored now: areas added meanwhile by someone else are kept.
            let after = IncidentRules.applying(d, to: current)
            let areas = after.areas.joined(separator: ",")
            try db.execute(sql: """
                UPDATE incidents SET faults = ?, areas = ?, description = ?, expected_at = ?, status = ?, updated_at = ?, closed_at = ?
                WHERE id = ?
                """, arguments: [after.faults.joined(separator: ","), areas, after.description, after.expectedAt, closing ? "closed" : "open", at,
                                 closing ? at : nil, id])
            try Self.record(db, id, kind: closing ? "closed" : "updated", d.description, d.expectedAt, areas, actor: actor, address: address, at: at)
            if let broadcast { try IncidentRows.broadcast(db, id, broadcast, at: at) }
            return try Self.incident(db, id, moe: moe)
        }
    }

    public func linkTickets(to id: Int64, moe: String, _ s: TicketSelection, actor: String, address: String?, at: Date) async throws -> Int? {
        try await database.writer.write { db in
            guard let incident = try Self.incident(db, id, moe: moe) else { return nil }
            let areas = s.areas.isEmpty ? incident.areas : s.areas
            var sql = """
                INSERT INTO incident_tickets (ticket_id, incident_id, linked_at, linked_by)
                SELECT t.id, ?, ?, ? FROM tickets t
                WHERE t.moe = ? AND t.service = ? AND t.status IN (\(IncidentRows.openStatuses))
                  AND t.area IN (\(databaseQuestionMarks(count: areas.count)))
                  AND NOT EXISTS (SELECT 1 FROM incident_tickets l WHERE l.ticket_id = t.id)
                """
            var arguments: StatementArguments = [id, at, actor, moe, incident.service]
            arguments += StatementArguments(areas)
            if !s.faults.isEmpty {
                sql += " AND t.fault IN (\(databaseQuestionMarks(count: s.faults.count)))"
                arguments += StatementArguments(s.faults)
            }
            if let since = s.since {
                sql += " AND t.created_at >= ?"
                arguments += [since]
            }
            if !s.references.isEmpty {
                sql += " AND t.reference IN (\(databaseQuestionMarks(count: s.references.count)))"
                arguments += StatementArguments(s.references.map(\.digits))
            }
            try db.execute(sql: sql, arguments: arguments)
            let linked = db.changesCount
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, detail, address) VALUES (?, ?, 'incident linked', ?, ?)",
                           arguments: [at, actor, "incident \(id): \(linked) tickets", address])
            return linked
        }
    }

    public func unlinkTicket(_ reference: Reference, from id: Int64, moe: String, actor: String, address: String?, at: Date) async throws -> Bool {
        try await database.writer.write { db in
            guard try Self.incident(db, id, moe: moe) != nil,
                  let ticketID = try Int64.fetchOne(db, sql: """
                      SELECT t.id FROM tickets t JOIN incident_tickets l ON l.ticket_id = t.id WHERE t.reference = ? AND l.incident_id = ?
                      """, arguments: [reference.digits, id]) else { return false }
            try db.execute(sql: "DELETE FROM incident_tickets WHERE ticket_id = ?", arguments: [ticketID])
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, ticket_id, detail, address) VALUES (?, ?, 'incident unlinked', ?, ?, ?)",
                           arguments: [at, actor, ticketID, "incident \(id)", address])
            return true
        }
    }

    public func incidentRecords(moe: String?, from: Date, to: Date) async throws -> [IncidentRecord] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.id, i.created_at, i.closed_at,
                       (SELECT COUNT(*) FROM incident_residents r WHERE r.incident_id = i.id),
                       (SELECT COUNT(*) FROM incident_tickets l WHERE l.incident_id = i.id)
                FROM incidents i WHERE (?1 IS NULL OR i.moe = ?1) AND i.created_at >= ?2 AND i.created_at < ?3 ORDER BY i.id
                """, arguments: [moe, from, to]).map { IncidentRecord(id: $0[0], createdAt: $0[1], closedAt: $0[2], residents: $0[3], linkedTickets: $0[4]) }
        }
    }

    public func incidentReach(_ id: Int64, limit: Int) async throws -> IncidentReach {
        try await database.writer.read { db in
            let tickets = try Row.fetchAll(db, sql: """
                SELECT t.reference, t.fault, t.area, t.status, t.created_at FROM incident_tickets l JOIN tickets t ON t.id = l.ticket_id
                WHERE l.incident_id = ? ORDER BY t.created_at DESC, t.id DESC LIMIT ?
                """, arguments: [id, limit]).compactMap { row -> IncidentReach.Linked? in
                guard let reference = try? Reference(parsing: row[0]), let status = TicketStatus(rawValue: row[3]) else { return nil }
                return IncidentReach.Linked(reference: reference, fault: row[1], area: row[2], status: status, createdAt: row[4])
            }
            let linked = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incident_tickets WHERE incident_id = ?", arguments: [id]) ?? 0
            let residents = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incident_residents WHERE incident_id = ?", arguments: [id]) ?? 0
            return IncidentReach(tickets: tickets, linkedCount: linked, residents: residents)
        }
    }

    public func incident(_ id: Int64, moe: String) async throws -> Incident? {
        try await database.writer.read { db in try Self.incident(db, id, moe: moe) }
    }

    public func openIncidents(moe: String?) async throws -> [Incident] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.incidentColumns) FROM incidents WHERE status = 'open' AND (?1 IS NULL OR moe = ?1) ORDER BY created_at DESC, id DESC
                """, arguments: [moe]).map(Self.incident)
        }
    }

    public func incidentHistory(_ id: Int64) async throws -> [IncidentEvent] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT at, kind, description, expected_at, areas, actor FROM incident_events WHERE incident_id = ? ORDER BY id
                """, arguments: [id]).map { row in
                IncidentEvent(at: row[0], kind: row[1], description: row[2], expectedAt: row[3], areas: Incident.codes(row[4] ?? ""), actor: row[5])
            }
        }
    }

    static func record(_ db: Database, _ id: Int64, kind: String, _ description: String?, _ expectedAt: Date?, _ areas: String, actor: String,
                       address: String?, at: Date) throws {
        try db.execute(sql: """
            INSERT INTO incident_events (incident_id, at, kind, description, expected_at, areas, actor) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, at, kind, description, expectedAt, areas, actor])
        try db.execute(sql: "INSERT INTO audit_log (at, actor, action, detail, address) VALUES (?, ?, ?, ?, ?)",
                       arguments: [at, actor, "incident \(kind)", "incident \(id): \(areas)", address])
    }

    static func incident(_ db: Database, _ id: Int64, moe: String) throws -> Incident? {
        try Row.fetchOne(db, sql: "SELECT \(incidentColumns) FROM incidents WHERE id = ? AND moe = ?", arguments: [id, moe]).map(incident)
    }

    static func incident(_ row: Row) -> Incident {
        Incident(id: row[0], moe: row[1], service: row[2], faults: Incident.codes(row[3]), areas: Incident.codes(row[4]), description: row[5],
                 expectedAt: row[6], isOpen: (row[7] as String) == "open", createdAt: row[8], updatedAt: row[9])
    }
}

/// Incidents as a hop and a new ticket see them: who is attached, which tickets are linked, and
/// the broadcasts of their news.
enum IncidentRows {
    static let openStatuses = TicketStatus.allCases.filter(\.isOpen).map { "'\($0.rawValue)'" }.joined(separator: ", ")

    static func open(_ db: Database, service: String) throws -> [Incident] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(SQLiteStaffStore.incidentColumns) FROM incidents WHERE status = 'open' AND service = ?
            """), arguments: [service]).map(SQLiteStaffStore.incident)
    }

    /// A new ticket that an open incident covers is linked to it.
    static func linkIfCovered(_ db: Database, ticketID: Int64, _ d: TicketDraft, at: Date) throws {
        guard let incident = Incident.about(service: d.service, fault: d.fault, area: d.area, among: try open(db, service: d.service)) else { return }
        try db.cachedStatement(sql: "INSERT INTO incident_tickets (ticket_id, incident_id, linked_at, linked_by) VALUES (?, ?, ?, 'report')")
            .execute(arguments: [ticketID, incident.id, at])
    }

    /// Once per number; not to an incident closed since the caller was told of it.
    static func attach(_ db: Database, _ a: IncidentAttachment, at: Date) throws {
        try db.cachedStatement(sql: """
            INSERT INTO incident_residents (incident_id, msisdn, language, channel, attached_at)
            SELECT id, ?, ?, ?, ? FROM incidents WHERE id = ? AND status = 'open'
            ON CONFLICT (incident_id, msisdn) DO NOTHING
            """).execute(arguments: [a.msisdn.e164, a.language, a.channel.rawValue, at, a.incidentID])
    }

    /// Who hears an incident's news: attached residents and reporters of linked tickets, once per
    /// number, in the language they chose last (their subscriber language, else the one they used).
    static let recipientsSQL = """
        SELECT r.msisdn, COALESCE(s.language, MIN(r.language)) FROM (
            SELECT msisdn, language FROM incident_residents WHERE incident_id = ?1
            UNION
            SELECT t.reporter, t.language FROM incident_tickets l JOIN tickets t ON t.id = l.ticket_id
            WHERE l.incident_id = ?1 AND t.reporter IS NOT NULL
        ) r LEFT JOIN subscribers s ON s.msisdn = r.msisdn GROUP BY r.msisdn
        """

    static func broadcast(_ db: Database, _ id: Int64, _ b: IncidentBroadcast, at: Date) throws {
        let insert = try db.cachedStatement(sql: """
            INSERT INTO outbox (msisdn, body, priority, next_attempt_at, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?)
            """)
        for row in try Row.fetchAll(db, sql: recipientsSQL, arguments: [id]) {
            guard let body = b.body(for: row[1]) else { continue }
            try insert.execute(arguments: [row[0] as String, body, at, at, at])
        }
    }
}
