import Domain
import Foundation
import Gateway
import GRDB

/// Ticket reads and status changes outside a USSD hop (tracking, the console, tests).
public struct SQLiteTicketStore: TicketUpdates {
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

    /// Changes a ticket's status and writes it to the history, in one transaction. A public update
    /// becomes what Track shows, and `notice` (given the reporter's language) is queued for the
    /// reporter in the same transaction.
    @discardableResult
    public func changeStatus(_ reference: Reference, to status: TicketStatus, publicUpdate: String?, expectedAt: Date?,
                             actor: String, at: Date, internalNote: String? = nil,
                             notice: (@Sendable (_ language: String) -> String?)? = nil) async throws -> Bool {
        try await database.writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, status, reporter, language FROM tickets WHERE reference = ?",
                                             arguments: [reference.digits]) else {
                return false
            }
            let id: Int64 = row["id"]
            if publicUpdate != nil, let reporter = (row["reporter"] as String?).flatMap({ MSISDN($0) }),
               let body = notice?(row["language"]) {
                try OutboxRows.enqueue(db, OutboundSMS(to: reporter, body: body), ticketID: id, at: at)
            }
            try db.execute(sql: """
                UPDATE tickets SET status = ?, public_update = COALESCE(?, public_update), expected_at = COALESCE(?, expected_at), updated_at = ?
                WHERE id = ?
                """, arguments: [status.rawValue, publicUpdate, expectedAt, at, id])
            try db.execute(sql: """
                INSERT INTO ticket_events (ticket_id, at, kind, from_status, to_status, note, is_public, actor)
                VALUES (?, ?, 'status', ?, ?, ?, ?, ?)
                """, arguments: [id, at, row["status"] as String, status.rawValue, publicUpdate ?? internalNote, publicUpdate != nil, actor])
            return true
        }
    }
}
