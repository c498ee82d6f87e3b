import Domain
import Foundation
import Gateway

/// Which rows of each class of personal data are due for the purge, for both stores: a table, its
/// key and a condition in which `cutoff` (each store's own parameter, `?1` or `$1`) is the cutoff.
public enum RetentionStatements {
    /// The statuses of tickets still being worked, as SQL text (no caller's value).
    public static let openStatuses = TicketStatus.allCases.filter(\.isOpen).map { "'\($0.rawValue)'" }.joined(separator: ", ")

    public static func due(_ c: RetentionPolicy.DataClass, cutoff: String) -> (table: String, key: String, condition: String) {
        switch c {
        case .inboundSMS: ("inbound_sms", "id", "received_at < \(cutoff) AND (body <> '' OR msisdn NOT LIKE 'h:%')")
        case .outboxSMS:
            ("outbox", "id", "created_at < \(cutoff) AND status NOT IN ('pending', 'held', 'sending') AND (body <> '' OR msisdn NOT LIKE 'h:%')")
        case .sessions: ("ussd_sessions", "key", "updated_at < \(cutoff)")
        case .reporterNumbers:
            ("tickets", "id", """
                updated_at < \(cutoff) AND status NOT IN (\(openStatuses))
                AND ((reporter IS NOT NULL AND reporter NOT LIKE 'h:%') OR address <> '' OR description <> '')
                """)
        case .subscribers:
            ("subscribers", "msisdn", """
                updated_at < \(cutoff) AND msisdn NOT LIKE 'h:%'
                AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.reporter = subscribers.msisdn AND t.status IN (\(openStatuses)))
                """)
        case .staffSessions: ("staff_sessions", "token_hash", "last_seen_at < \(cutoff)")
        case .audit: ("audit_log", "id", "at < \(cutoff)")
        case .alertSubscriptions: ("alert_subscriptions", "id", "created_at < \(cutoff)")
        }
    }
}

extension RetentionStatements {
    /// Residents who asked to hear about an incident closed before `cutoff` whose number is still
    /// in clear: `FROM` and `WHERE` (rows aliased `r`, incidents `i`).
    public static func residentsDue(cutoff: String) -> String {
        """
        FROM incident_residents r JOIN incidents i ON i.id = r.incident_id WHERE i.status = 'closed' AND i.closed_at < \(cutoff) AND r.msisdn NOT LIKE 'h:%'
        """
    }

    /// Residents added to tickets ("Add me to it") whose number is due with the ticket's own
    /// reporter's: the ticket closed and unchanged since `cutoff` (rows aliased `j`).
    public static func addedReportersDue(cutoff: String) -> String {
        """
        j.msisdn NOT LIKE 'h:%' AND EXISTS (SELECT 1 FROM tickets t WHERE t.id = j.ticket_id AND t.updated_at < \(cutoff)
                                             AND t.status NOT IN (\(openStatuses)))
        """
    }
}

/// One instance purges at a time. (Purging itself stays with each store: SQLite saves and forgets
/// its sessions in progress inside the batch, PostgreSQL shares batches with `SKIP LOCKED`.)
extension RetentionStore where Self: SQLBacked {
    public func leasePurge(holder: String, until: Date, now: Date) async throws -> Bool {
        try await statements.run(.run("""
            INSERT INTO job_leases (name, holder, until) VALUES ('purge', \(holder), \(until))
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until WHERE job_leases.until < \(now) OR job_leases.holder = \(holder)
            RETURNING name
            """) { .done(!$0.isEmpty) })
    }
}
