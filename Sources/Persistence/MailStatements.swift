import Foundation
import Gateway

extension MailState: SQLBindable {}

/// The staff e-mail queue's outcomes and counts, for both stores (each claims its own way:
/// SQLite on its one writer, PostgreSQL with `FOR UPDATE SKIP LOCKED`).
extension StaffMailbox where Self: SQLBacked {
    public func recordMail(_ mail: StaffMail, _ result: MailResult, now: Date, retry: RetryPolicy) async throws {
        let statement: SQL = switch result {
        case .sent:
            "UPDATE staff_mail SET status = \(MailState.sent), last_error = NULL, lease_until = NULL, updated_at = \(now) WHERE id = \(mail.id)"
        case .temporary(let error) where mail.attempt < retry.maxAttempts:
            """
            UPDATE staff_mail SET status = \(MailState.pending), next_attempt_at = \(now.addingTimeInterval(retry.delay(afterAttempt: mail.attempt))),
                   last_error = \(error), lease_until = NULL, updated_at = \(now) WHERE id = \(mail.id)
            """
        case .temporary(let error), .permanent(let error):
            "UPDATE staff_mail SET status = \(MailState.failed), last_error = \(error), lease_until = NULL, updated_at = \(now) WHERE id = \(mail.id)"
        }
        try await statements.write([statement])
    }

    public func mailCounts() async throws -> [MailState: Int] {
        try await statements.counts(of: "staff_mail", as: MailState.self)
    }
}
