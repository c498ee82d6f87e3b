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

    /// The ticket, its "created" history row and the reporter's confirmation, together.
    @discardableResult
    static func insert(_ db: Database, _ t: NewTicket) throws -> Int64 {
        guard let id = try SQLiteStatements.fetch(db, TicketStatements.insert(t)).first?.integer("id") else {
            throw SQLRowError(column: "id", problem: "the new ticket returned no id")
        }
        for statement in TicketStatements.created(t, id: id) { try SQLiteStatements.execute(db, statement) }
        try IncidentRows.linkIfCovered(db, ticketID: id, t.draft, at: t.createdAt)
        return id
    }
}
