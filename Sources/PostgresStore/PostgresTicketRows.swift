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

    /// What became of a confirmation's ticket.
    enum Filed {
        case filed(id: Int64)
        /// The drawn reference is someone's: nothing was written (the caller draws again).
        case referenceTaken
        /// The number already made `cap.limit` reports today: the transaction must be rolled back.
        case limitReached
    }

    /// The ticket, its "created" history row and the reporter's confirmation, together; then its
    /// incident link and webhook messages, only when the MOE has a subscription or the service an
    /// open incident. With a `cap`, the caller holds the number's advisory lock (taken by an
    /// earlier statement of `tx`), and the reports are counted in the insert's own statement; at the
    /// cap the caller rolls `tx` back.
    static func insert(_ t: NewTicket, cap: ReportLimit?, _ tx: PostgresConnection, logger: Logger) async throws -> Filed {
        guard let row = try await Prepared<ConfirmationShape>.rows(TicketStatements.insertCreated(t, cap: cap), tx, logger: logger).first else {
            throw PostgresStoreError.noRowReturned
        }
        if let cap, let made = try row.integer("made"), made >= cap.limit { return .limitReached }
        guard let id = try row.integer("id") else { return .referenceTaken }
        if try row.bool("incidents") == true {
            try await PostgresIncidentRows.linkIfCovered(tx, ticketID: id, t.draft, at: t.createdAt, logger: logger)
        }
        if try row.bool("hooks") == true {
            try await PostgresStatements.run(WebhookStatements.created(ticketID: id, moe: t.destination.moe, at: t.createdAt), tx, logger: logger)
        }
        return .filed(id: id)
    }

    /// With no cap: the ticket's id, or nil when the drawn reference is taken.
    static func insert(_ t: NewTicket, _ tx: PostgresConnection, logger: Logger) async throws -> Int64? {
        if case .filed(let id) = try await insert(t, cap: nil, tx, logger: logger) { return id }
        return nil
    }

    static func enqueue(_ m: OutboundSMS, ticketID: Int64?, at: Date, _ tx: PostgresConnection, logger: Logger) async throws {
        _ = try await PostgresStatements.fetch(tx, OutboxStatements.enqueue(m, ticketID: ticketID, at: at), logger: logger)
    }
}
