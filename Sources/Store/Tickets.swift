import Domain
import Foundation
import Gateway
import GRDB

/// Ticket reads and status changes outside a USSD hop (tracking, the console, tests).
public struct SQLiteTicketStore: Sendable {
    let database: AppDatabase

    public init(_ database: AppDatabase) { self.database = database }

    public func publicTicket(_ reference: Reference) async throws -> PublicTicket? {
        try await database.writer.read { db in try TicketRows.publicTicket(db, reference) }
    }

    public func count() async throws -> Int {
        try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tickets") ?? 0 }
    }

    /// The street address or landmark as the reporter typed it (personal-ish: console only).
    public func address(of reference: Reference) async throws -> String? {
        try await database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT address FROM tickets WHERE reference = ?", arguments: [reference.digits])
        }
    }

    /// Where routing put a ticket.
    public func destination(of reference: Reference) async throws -> Destination? {
        try await database.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT moe, queue FROM tickets WHERE reference = ?", arguments: [reference.digits])
                .map { Destination(moe: $0["moe"], queue: $0["queue"]) }
        }
    }

    /// The history of a ticket, oldest first: (kind, to status, note).
    public func history(of reference: Reference) async throws -> [(kind: String, status: String?, note: String?)] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.kind, e.to_status, e.note FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
                WHERE t.reference = ? ORDER BY e.at, e.id
                """, arguments: [reference.digits]).map { ($0["kind"], $0["to_status"], $0["note"]) }
        }
    }

    /// Messages queued for a number, oldest first: (body, status).
    public func outbox(for msisdn: MSISDN) async throws -> [(body: String, status: String)] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT body, status FROM outbox WHERE msisdn = ? ORDER BY id", arguments: [msisdn.e164])
                .map { ($0["body"], $0["status"]) }
        }
    }
}
