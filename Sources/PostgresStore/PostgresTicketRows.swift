import Domain
import Foundation
import Gateway
import Logging
import Persistence
import PostgresNIO

/// The `tickets`, `ticket_events` and `outbox` rows on PostgreSQL, as `Store.TicketRows` on SQLite.
enum PostgresTicketRows {
    /// A ticket's public fields and its incident's news (`Persistence.RequestStatements`), read by name.
    static func publicTickets(_ rows: PostgresRowSequence) async throws -> [PublicTicket] {
        var out: [PublicTicket] = []
        for try await row in rows { out.append(try RequestStatements.publicTicket(PostgresSQLRow(row: row.makeRandomAccess()))) }
        return out
    }

    /// The ticket, its "created" history row and the reporter's confirmation, together; nil when
    /// the drawn reference is taken (the caller draws again).
    static func insert(_ t: NewTicket, _ tx: PostgresConnection, logger: Logger) async throws -> Int64? {
        let d = t.draft
        var id: Int64?
        for try await row in try await tx.query("""
            INSERT INTO tickets (reference, service, fault, area, address, description, moe, queue, status, channel, reporter, language,
                                 created_at, updated_at, due_at, acknowledge_due_at, lat, long, priority)
            VALUES (\(d.reference.digits), \(d.service), \(d.fault), \(d.area), \(d.address), \(d.description), \(t.destination.moe),
                    \(t.destination.queue), \(TicketStatus.new.rawValue), \(d.channel.rawValue), \(d.reporter?.e164), \(d.language),
                    \(t.createdAt), \(t.createdAt), \(t.dueAt), \(t.acknowledgeDueAt), \(d.location?.lat), \(d.location?.long), \(t.priority.rawValue))
            ON CONFLICT (reference) DO NOTHING RETURNING id
            """, logger: logger).decode(Int64.self) { id = row }
        guard let id else { return nil }
        try await tx.query("""
            INSERT INTO ticket_events (ticket_id, at, kind, to_status, note, is_public, actor)
            VALUES (\(id), \(t.createdAt), 'created', 'new', \("routed to \(t.destination.moe)/\(t.destination.queue)"), false, \(d.channel.rawValue))
            """, logger: logger)
        try await PostgresIncidentRows.linkIfCovered(tx, ticketID: id, d, at: t.createdAt, logger: logger)
        if let reporter = d.reporter, let body = t.confirmation {
            try await enqueue(OutboundSMS(to: reporter, body: body), ticketID: id, at: t.createdAt, tx, logger: logger)
        }
        return id
    }

    static func enqueue(_ m: OutboundSMS, ticketID: Int64?, at: Date, _ tx: PostgresConnection, logger: Logger) async throws {
        try await tx.query("""
            INSERT INTO outbox (ticket_id, msisdn, body, even_if_opted_out, next_attempt_at, created_at, updated_at)
            VALUES (\(ticketID), \(m.to.e164), \(m.body), \(m.evenIfOptedOut), \(at), \(at), \(at))
            """, logger: logger)
    }
}
