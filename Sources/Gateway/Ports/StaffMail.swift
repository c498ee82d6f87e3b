import Foundation

/// An e-mail to a member of staff (an escalation), kept until it is sent or has visibly failed.
public struct StaffMail: Sendable, Equatable {
    public var id: Int64
    public var to: String
    public var subject: String
    public var body: String
    /// 1 for the first try.
    public var attempt: Int

    public init(id: Int64, to: String, subject: String, body: String, attempt: Int) {
        self.id = id
        self.to = to
        self.subject = subject
        self.body = body
        self.attempt = attempt
    }
}

public enum MailResult: Sendable, Equatable {
    case sent
    /// Worth trying again (the server did not answer, a 4xx reply).
    case temporary(String)
    /// Never going through (a 5xx reply: no such mailbox, refused).
    case permanent(String)
}

/// The staff e-mail queue: written in the transaction of the escalation that causes it, claimed
/// with a lease by one sender at a time per message, retried, and failed visibly (`last_error`).
public protocol StaffMailbox: Sendable {
    func claimMail(limit: Int, now: Date, lease: TimeInterval) async throws -> [StaffMail]
    func recordMail(_ mail: StaffMail, _ result: MailResult, now: Date, retry: RetryPolicy) async throws
    /// Messages by state, for health and tests.
    func mailCounts() async throws -> [MailState: Int]
}

/// Where a staff e-mail is: waiting (or waiting to be tried again), claimed by a sender, sent, or
/// visibly failed.
public enum MailState: String, Sendable, CaseIterable {
    case pending, sending, sent, failed
}
