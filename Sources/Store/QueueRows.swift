import Domain
import Foundation
import Gateway
import GRDB

/// How a ticket is read for the people who work it: its columns, and when it is due — the expected
/// date once scheduled, else the `due_at` stored at creation (reported + the service's SLA).
struct QueueRows {
    /// Service code -> SLA hours: only for tickets stored before `due_at` existed (or by an older
    /// instance during an upgrade), whose due date is still worked out here.
    let sla: [String: Int]
    static let defaultSLA = ServiceCatalogue.defaultSLAHours

    /// `t` is the ticket. Dates are compared as GRDB stores them (`YYYY-MM-DD HH:MM:SS.SSS`, UTC).
    var due: String { "COALESCE(t.expected_at, t.due_at, \(dueFromSLA))" }

    /// Reported + the service's SLA, worked out in SQL.
    var dueFromSLA: String {
        let cases = sla.sorted { $0.key < $1.key }
            .map { "WHEN '\($0.key.replacingOccurrences(of: "'", with: "''"))' THEN \($0.value)" }.joined(separator: " ")
        let hours = cases.isEmpty ? "\(Self.defaultSLA)" : "CASE t.service \(cases) ELSE \(Self.defaultSLA) END"
        return "strftime('%Y-%m-%d %H:%M:%f', t.created_at, '+' || (\(hours)) || ' hours')"
    }

    var columns: String {
        """
        t.reference, t.service, t.fault, t.area, t.address, t.description, t.queue, t.status, t.channel, t.public_update,
        t.expected_at, t.created_at, t.updated_at, t.moe, t.assignee, \(due) AS due_at,
        (SELECT m.reference FROM tickets m WHERE m.id = t.duplicate_of) AS duplicate_reference
        """
    }

    /// The ticket from `columns`, starting at column `i`.
    static func decode(_ row: Row, from i: Int = 0) -> QueueTicket {
        QueueTicket(reference: row[i], service: row[i + 1], fault: row[i + 2], area: row[i + 3], address: row[i + 4],
                    description: row[i + 5], queue: row[i + 6], status: row[i + 7], channel: row[i + 8], publicUpdate: row[i + 9],
                    expectedAt: row[i + 10], createdAt: row[i + 11], updatedAt: row[i + 12],
                    moe: row[i + 13], assignee: row[i + 14], dueAt: row[i + 15], duplicateOf: row[i + 16])
    }
}

extension SQLiteStaffStore {
    /// Tickets stored before `due_at` existed get it once, from their service's SLA; returns how many.
    @discardableResult
    public func storeMissingDueDates() throws -> Int {
        let rows = self.rows
        return try database.writer.write { db in
            try db.execute(sql: "UPDATE tickets AS t SET due_at = \(rows.dueFromSLA) WHERE t.due_at IS NULL")
            return db.changesCount
        }
    }
}
