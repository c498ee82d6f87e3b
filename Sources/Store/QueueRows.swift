import Domain
import Foundation
import Gateway
import GRDB

/// How a ticket is read for the people who work it: its columns, and when it is due.
struct QueueRows {
    /// `t` is the ticket.
    var due: String { DueDate.sql }

    var columns: String {
        """
        t.reference, t.service, t.fault, t.area, t.address, t.description, t.queue, t.status, t.channel, t.public_update,
        t.expected_at, t.created_at, t.updated_at, t.moe, t.assignee, \(due) AS due_at,
        (SELECT m.reference FROM tickets m WHERE m.id = t.duplicate_of) AS duplicate_reference, t.escalation_level,
        (SELECT l.incident_id FROM incident_tickets l WHERE l.ticket_id = t.id) AS incident
        """
    }

    /// The ticket from `columns`, starting at column `i`.
    static func decode(_ row: Row, from i: Int = 0) -> QueueTicket {
        QueueTicket(reference: row[i], service: row[i + 1], fault: row[i + 2], area: row[i + 3], address: row[i + 4],
                    description: row[i + 5], queue: row[i + 6], status: TicketStatus(rawValue: row[i + 7] as String) ?? .new, channel: row[i + 8], publicUpdate: row[i + 9],
                    expectedAt: row[i + 10], createdAt: row[i + 11], updatedAt: row[i + 12],
                    moe: row[i + 13], assignee: row[i + 14], dueAt: row[i + 15], duplicateOf: row[i + 16],
                    escalationLevel: row[i + 17], incident: row[i + 18])
    }
}

extension SQLiteStaffStore {
    /// Tickets stored before `due_at` existed get their targets once, from the catalogue's service
    /// levels as they stand, in batches; returns how many.
    @discardableResult
    public func storeMissingDueDates() throws -> Int {
        let levels = self.levels
        var total = 0
        while true {
            let done = try database.writer.write { db -> Int in
                let rows = try Row.fetchAll(db, sql: "SELECT id, service, fault, moe, created_at FROM tickets WHERE due_at IS NULL LIMIT 1000")
                for row in rows {
                    let due = levels.targets(service: row[1], fault: row[2], moe: row[3], from: row[4])
                    try db.execute(sql: "UPDATE tickets SET due_at = ?, acknowledge_due_at = COALESCE(acknowledge_due_at, ?) WHERE id = ?",
                                   arguments: [due.resolve, due.acknowledge, row[0] as Int64])
                }
                return rows.count
            }
            total += done
            if done < 1000 { return total }
        }
    }
}
