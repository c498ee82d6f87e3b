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
        guard let id = try await PostgresStatements.fetch(tx, TicketStatements.insertCreated(t), logger: logger).first?.integer("id") else { return nil }
        try await PostgresIncidentRows.linkIfCovered(tx, ticketID: id, t.draft, at: t.createdAt, logger: logger)
        try await PostgresStatements.run(WebhookStatements.created(ticketID: id, moe: t.destination.moe, at: t.createdAt), tx, logger: logger)
        return id
    }

    static func enqueue(_ m: OutboundSMS, ticketID: Int64?, at: Date, _ tx: PostgresConnection, logger: Logger) async throws {
        _ = try await PostgresStatements.fetch(tx, OutboxStatements.enqueue(m, ticketID: ticketID, at: at), logger: logger)
    }
}
