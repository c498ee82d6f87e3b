import Domain
import Foundation
import Gateway
import GRDB
import Persistence

/// Reading and writing the `tickets`, `ticket_events` and `outbox` tables.
enum TicketRows {
    /// A ticket's public fields and its incident's news (`Persistence.RequestStatements`), read by name.
    static func publicTicket(_ db: Database, _ reference: Reference) throws -> PublicTicket? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(RequestStatements.publicColumns) FROM \(RequestStatements.from) WHERE t.reference = ?"),
                         arguments: [reference.digits]).map { try RequestStatements.publicTicket(SQLiteRow(row: $0)) }
    }

    static func recent(_ db: Database, _ msisdn: MSISDN, limit: Int) throws -> [PublicTicket] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(RequestStatements.publicColumns) FROM \(RequestStatements.from) WHERE t.reporter = ? ORDER BY t.created_at DESC, t.id DESC LIMIT ?
            """), arguments: [msisdn.e164, limit]).map { try RequestStatements.publicTicket(SQLiteRow(row: $0)) }
    }

    /// The ticket, its "created" history row and the reporter's confirmation, together. On the hop's
    /// path, so prepared once with plain `?` arguments: `TicketStatements.insert` rendered per hop cost
    /// 4-10 % of the hop's CPU in `ussd-vs-bare.sh` (PostgreSQL uses it).
    @discardableResult
    static func insert(_ db: Database, _ t: NewTicket) throws -> Int64 {
        let d = t.draft
        let created = DatabaseDate.text(t.createdAt)
        try db.cachedStatement(sql: """
            INSERT INTO tickets (reference, service, fault, area, address, description, moe, queue, status, channel, reporter, language,
                                 created_at, updated_at, due_at, acknowledge_due_at, lat, long, priority, street_number)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [d.reference.digits, d.service, d.fault, d.area, d.address, d.description, t.destination.moe,
                             t.destination.queue, TicketStatus.new.rawValue, d.channel.rawValue, d.reporter?.e164, d.language,
                             created, created, t.dueAt.map(DatabaseDate.text), t.acknowledgeDueAt.map(DatabaseDate.text),
                             d.location?.lat, d.location?.long, t.priority.rawValue, ReportedPlace.storedNumber(of: d.address)])
        let id = db.lastInsertedRowID
        try db.cachedStatement(sql: """
            INSERT INTO ticket_events (ticket_id, at, kind, to_status, note, is_public, actor)
            VALUES (?, ?, 'created', 'new', ?, 0, ?)
            """).execute(arguments: [id, created, "routed to \(t.destination.moe)/\(t.destination.queue)", d.channel.rawValue])
        try IncidentRows.linkIfCovered(db, ticketID: id, d, at: t.createdAt)
        try SQLiteStatements.run(WebhookStatements.created(ticketID: id, moe: t.destination.moe, at: t.createdAt), db)
        if let reporter = d.reporter, let body = t.confirmation {
            try OutboxRows.enqueue(db, OutboundSMS(to: reporter, body: body), ticketID: id, at: t.createdAt)
        }
        return id
    }
}
