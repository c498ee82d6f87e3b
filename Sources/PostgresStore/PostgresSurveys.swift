import Domain
import Foundation
import Gateway
import Logging
import PostgresNIO

/// Satisfaction surveys on PostgreSQL, as on SQLite; a survey is unique per reporter per
/// resolution, so two instances starting the same survey send one SMS.
extension PostgresStaffStore {
    public func surveysDue(resolvedFrom from: Date, to: Date, limit: Int) async throws -> [SurveyInvitation] {
        var out: [SurveyInvitation] = []
        for try await (id, digits, reporter, language, resolution) in try await client.query("""
            SELECT c.id, c.reference, c.reporter, c.language, c.resolution FROM (
                SELECT t.id, r.reference, r.reporter, r.language, t.updated_at, r.id AS rid,
                       (SELECT COUNT(*) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'status' AND e.to_status = 'resolved')::BIGINT AS resolution
                FROM tickets t JOIN tickets r ON r.id = t.id OR r.duplicate_of = t.id
                LEFT JOIN subscribers s ON s.msisdn = r.reporter
                WHERE t.status = 'resolved' AND t.updated_at >= \(from) AND t.updated_at <= \(to) AND r.reporter IS NOT NULL
                  AND NOT COALESCE(s.opted_out, false)
            ) c
            WHERE NOT EXISTS (SELECT 1 FROM surveys v WHERE v.ticket_id = c.id AND v.msisdn = c.reporter AND v.resolution = c.resolution)
            ORDER BY c.updated_at, c.id, c.rid LIMIT \(Int64(max(1, limit)))
            """, logger: logger).decode((Int64, String, String, String, Int64).self) {
            guard let reference = try? Reference(parsing: digits), let msisdn = MSISDN(reporter) else { continue }
            out.append(SurveyInvitation(ticketID: id, reference: reference, msisdn: msisdn, language: language, resolution: Int(resolution)))
        }
        return out
    }

    public func startSurveys(_ surveys: [(SurveyInvitation, String)], at: Date) async throws -> Int {
        try await client.withTransaction(logger: logger) { tx in
            var started = 0
            for (s, text) in surveys {
                var inserted = false
                for try await _ in try await tx.query("""
                    INSERT INTO surveys (ticket_id, msisdn, reference, resolution, sent_at)
                    VALUES (\(s.ticketID), \(s.msisdn.e164), \(s.reference.digits), \(Int32(s.resolution)), \(at))
                    ON CONFLICT (ticket_id, msisdn, resolution) DO NOTHING RETURNING id
                    """, logger: logger) { inserted = true }
                guard inserted else { continue }
                try await PostgresTicketRows.enqueue(OutboundSMS(to: s.msisdn, body: text), ticketID: s.ticketID, at: at, tx, logger: logger)
                started += 1
            }
            return started
        }
    }
}
