import Foundation
import Gateway
import PostgresNIO

/// The staff e-mail queue on PostgreSQL: claimed with `FOR UPDATE SKIP LOCKED` and a lease, as
/// the SMS outbox is, so with every instance sending each message goes once.
extension PostgresStaffStore {
    public func claimMail(limit: Int, now: Date, lease: TimeInterval) async throws -> [StaffMail] {
        var out: [StaffMail] = []
        for try await (id, address, subject, body, attempts) in try await client.query("""
            UPDATE staff_mail SET status = 'sending', attempts = attempts + 1, lease_until = \(now.addingTimeInterval(lease)), updated_at = \(now)
            WHERE id IN (
                SELECT id FROM staff_mail WHERE (status = 'pending' AND next_attempt_at <= \(now)) OR (status = 'sending' AND lease_until < \(now))
                ORDER BY next_attempt_at, id LIMIT \(Int64(max(1, limit))) FOR UPDATE SKIP LOCKED)
            RETURNING id, address, subject, body, attempts
            """, logger: logger).decode((Int64, String, String, String, Int32).self) {
            out.append(StaffMail(id: id, to: address, subject: subject, body: body, attempt: Int(attempts)))
        }
        return out.sorted { $0.id < $1.id }
    }
}
