import Domain
import Foundation
import Gateway
import GRDB

/// Reading and writing the `tickets`, `ticket_events` and `outbox` tables.
enum TicketRows {
    /// A ticket's public fields and its incident's (`t`: the ticket, `i`: the incident), from `publicFrom`.
    static let publicColumns = """
        t.reference, t.service, t.fault, t.area, t.moe, t.status, t.public_update, t.expected_at, t.created_at, t.updated_at,
        i.id, i.description, i.expected_at, i.status
        """
    static let publicFrom = "tickets t LEFT JOIN incident_tickets l ON l.ticket_id = t.id LEFT JOIN incidents i ON i.id = l.incident_id"

    static func publicTicket(_ db: Database, _ reference: Reference) throws -> PublicTicket? {
        try Row.fetchOne(db, sql: "SELECT \(publicColumns) FROM \(publicFrom) WHERE t.reference = ?", arguments: [reference.digits]).flatMap(decode)
    }

    static func recent(_ db: Database, _ msisdn: MSISDN, limit: Int) throws -> [PublicTicket] {
        try Row.fetchAll(db, sql: "SELECT \(publicColumns) FROM \(publicFrom) WHERE t.reporter = ? ORDER BY t.created_at DESC, t.id DESC LIMIT ?",
                         arguments: [msisdn.e164, limit]).compactMap(decode)
    }

    static func decode(_ row: Row) -> PublicTicket? {
        // By position, in the order of `publicColumns`.
        guard let reference = try? Reference(parsing: row[0]),
              let status = TicketStatus(rawValue: row[5]) else { return nil }
        let incident = (row[10] as Int64?).map { IncidentNotice(id: $0, description: row[11], expectedAt: row[12], isOpen: (row[13] as String) == "open") }
        return PublicTicket(
            reference: reference, service: row[1], fault: row[2], area: row[3], moe: row[4],
            status: status, lastPublicUpdate: row[6], expectedAt: row[7], createdAt: row[8], updatedAt: row[9], incident: incident)
    }

    /// The ticket, its "created" history row and the reporter's confirmation, together.
    @discardableResult
    static func insert(_ db: Database, _ t: NewTicket) throws -> Int64 {
        let d = t.draft
        let created = DatabaseDate.text(t.createdAt)
        try db.cachedStatement(sql: """
            INSERT INTO tickets (reference, service, fault, area, address, description, moe, queue, status, channel, reporter, language,
                                 created_at, updated_at, due_at, acknowledge_due_at, lat, long, priority)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [d.reference.digits, d.service, d.fault, d.area, d.address, d.description, t.destination.moe,
                             t.destination.queue, TicketStatus.new.rawValue, d.channel.rawValue, d.reporter?.e164, d.language,
                             created, created, t.dueAt.map(DatabaseDate.text), t.acknowledgeDueAt.map(DatabaseDate.text),
                             d.location?.lat, d.location?.long, t.priority.rawValue])
        let id = db.lastInsertedRowID
        try db.cachedStatement(sql: """
            INSERT INTO ticket_events (ticket_id, at, kind, to_status, note, is_public, actor)
            VALUES (?, ?, 'created', 'new', ?, 0, ?)
            """).execute(arguments: [id, created, "routed to \(t.destination.moe)/\(t.destination.queue)", d.channel.rawValue])
        try IncidentRows.linkIfCovered(db, ticketID: id, d, at: t.createdAt)
        if let reporter = d.reporter, let body = t.confirmation {
            try OutboxRows.enqueue(db, OutboundSMS(to: reporter, body: body), ticketID: id, at: t.createdAt)
        }
        return id
    }
}
