import Foundation
import Gateway
import GRDB

/// The staff e-mail queue on SQLite (one instance: a claim is a status change in one write).
extension SQLiteStaffStore {
    public func claimMail(limit: Int, now: Date, lease: TimeInterval) async throws -> [StaffMail] {
        try await database.writer.write { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, address, subject, body, attempts FROM staff_mail
                WHERE (status = 'pending' AND next_attempt_at <= ?1) OR (status = 'sending' AND lease_until < ?1)
                ORDER BY next_attempt_at, id LIMIT ?2
                """, arguments: [now, max(1, limit)])
            return try rows.map { row in
                let id: Int64 = row["id"], attempts: Int = row["attempts"]
                try db.execute(sql: "UPDATE staff_mail SET status = 'sending', attempts = attempts + 1, lease_until = ?, updated_at = ? WHERE id = ?",
                               arguments: [now.addingTimeInterval(lease), now, id])
                return StaffMail(id: id, to: row["address"], subject: row["subject"], body: row["body"], attempt: attempts + 1)
            }
        }
    }
}
