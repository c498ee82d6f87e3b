import Domain
import Foundation
import Gateway

/// Satisfaction surveys, for both stores: who is due one, and starting them with their SMS in one
/// transaction (a survey is unique per reporter per resolution, so two instances send one SMS).
extension SurveyStore where Self: SQLBacked {
    public func surveysDue(resolvedFrom from: Date, to: Date, limit: Int) async throws -> [SurveyInvitation] {
        try await statements.read("""
            SELECT c.id, c.reference, c.reporter, c.language, c.resolution FROM (
                SELECT t.id, r.reference, r.reporter, r.language, t.updated_at, r.id AS rid,
                       (SELECT COUNT(*) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'status' AND e.to_status = 'resolved') AS resolution
                FROM tickets t JOIN tickets r ON r.id = t.id OR r.duplicate_of = t.id
                LEFT JOIN subscribers s ON s.msisdn = r.reporter
                WHERE t.status = \(TicketStatus.resolved) AND t.updated_at >= \(from) AND t.updated_at <= \(to) AND r.reporter IS NOT NULL
                  AND \(sqlite: "COALESCE(s.opted_out, 0) = 0", postgres: "NOT COALESCE(s.opted_out, false)")
            ) c
            WHERE NOT EXISTS (SELECT 1 FROM surveys v WHERE v.ticket_id = c.id AND v.msisdn = c.reporter AND v.resolution = c.resolution)
            ORDER BY c.updated_at, c.id, c.rid LIMIT \(max(1, limit))
            """) { row -> SurveyInvitation? in
            guard let msisdn = MSISDN(try row.text(required: "reporter")) else { return nil }
            return SurveyInvitation(ticketID: try row.integer(required: "id"), reference: try row.reference("reference"), msisdn: msisdn,
                                    language: try row.text(required: "language"), resolution: try row.int("resolution"))
        }.compactMap { $0 }
    }

    public func startSurveys(_ surveys: [(SurveyInvitation, String)], at: Date) async throws -> Int {
        let inserts: [SQL] = surveys.map { s, _ in
            """
            INSERT INTO surveys (ticket_id, msisdn, reference, resolution, sent_at) VALUES (\(s.ticketID), \(s.msisdn.e164), \(s.reference.digits), \(s.resolution), \(at))
            ON CONFLICT (ticket_id, msisdn, resolution) DO NOTHING RETURNING id
            """
        }
        return try await statements.run(.run(inserts) { rows in
            // Only a survey recorded now gets its SMS: the others were started before.
            let started = zip(surveys, rows).filter { !$0.1.isEmpty }.map(\.0)
            return .write(started.map { OutboxStatements.enqueue(OutboundSMS(to: $0.0.msisdn, body: $0.1), ticketID: $0.0.ticketID, at: at) }, started.count)
        })
    }
}
