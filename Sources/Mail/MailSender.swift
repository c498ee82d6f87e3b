import Domain
import Foundation
import Gateway
import Logging
import ServiceLifecycle

/// Sends the staff e-mail queue every few seconds: each message is claimed with a lease, sent
/// through SMTP and recorded as sent, to retry, or failed with the reason. Without an SMTP server
/// (`CIVICGATE_SMTP_URL` unset) every queued message is failed at once, visibly, with that reason.
public struct MailSender: Service {
    let mailbox: any StaffMailbox
    let client: SMTPClient?
    let from: String
    let clock: any WallClock
    let logger: Logger
    public var retry = RetryPolicy(firstDelay: 30, cap: 1800, maxAttempts: 8)
    public var poll: Duration = .seconds(5)

    public init(mailbox: any StaffMailbox, settings: SMTPSettings?, clock: any WallClock, logger: Logger) {
        self.mailbox = mailbox
        self.client = settings.map(SMTPClient.init)
        self.from = settings?.from ?? ""
        self.clock = clock
        self.logger = logger
    }

    /// One pass; returns how many messages were tried.
    @discardableResult
    public func sendDue() async throws -> Int {
        let batch = try await mailbox.claimMail(limit: 20, now: clock.now(), lease: 120)
        for mail in batch {
            let result: MailResult
            if let client {
                result = await client.send(MailMessage(from: from, to: mail.to, subject: mail.subject, body: mail.body, date: clock.now()))
            } else {
                result = .permanent("CIVICGATE_SMTP_URL is not set: e-mail cannot be sent")
            }
            switch result {
            case .sent: logger.info("staff e-mail sent", metadata: ["mail": "\(mail.id)"])
            case .temporary(let why), .permanent(let why): logger.warning("staff e-mail not sent", metadata: ["mail": "\(mail.id)", "error": "\(why)"])
            }
            try await mailbox.recordMail(mail, result, now: clock.now(), retry: retry)
        }
        return batch.count
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    if try await sendDue() == 0 { try? await Task.sleep(for: poll) }
                } catch where Task.isCancelled {
                    return
                } catch {
                    logger.error("staff e-mail sender failed", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(5))
                }
            }
        }
    }
}
