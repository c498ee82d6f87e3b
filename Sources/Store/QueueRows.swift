import Domain
import Foundation
import Gateway
import GRDB

/// How a ticket is read for the people who work it: its columns, and its due date computed from
/// the service's SLA (or the expected date once scheduled).
struct QueueRows {
    /// Service code -> SLA hours.
    let sla: [String: Int]
    static let defaultSLA = 72

    /// `t` is the ticket. Dates are compared as GRDB stores them (`YYYY-MM-DD HH:MM:SS.SSS`, UTC).
    var due: String {
        let cases = sla.sorted { $0.key < $1.key }
            .map { "WHEN '\($0.key.replacingOccurrences(of: "'", with: "''"))' THEN \($0.value)" }.joined(separator: " ")
        let hours = cases.isEmpty ? "\(Self.defaultSLA)" : "CASE t.service \(cases) ELSE \(Self.defaultSLA) END"
        return "COALESCE(t.expected_at, strftime('%Y-%m-%d %H:%M:%f', t.created_at, '+' || (\(hours)) || ' hours'))"
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
