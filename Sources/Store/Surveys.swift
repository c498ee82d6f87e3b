import Domain
import Foundation
import Gateway
import GRDB

/// Satisfaction surveys on SQLite.
extension SQLiteStaffStore {
    public func surveysDue(resolvedFrom from: Date, to: Date, limit: Int) async throws -> [SurveyInvitation] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM (
                    SELECT t.id, r.reference, r.reporter, r.language,
                           (SELECT COUNT(*) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'status' AND e.to_status = 'resolved') AS resolution
                    FROM tickets t JOIN tickets r ON r.id = t.id OR r.duplicate_of = t.id
                    LEFT JOIN subscribers s ON s.msisdn = r.reporter
                    WHERE t.status = 'resolved' AND t.updated_at >= ?1 AND t.updated_at <= ?2 AND r.reporter IS NOT NULL
                      AND COALESCE(s.opted_out, 0) = 0
                    ORDER BY t.updated_at, t.id, r.id
                ) c
                WHERE NOT EXISTS (SELECT 1 FROM surveys v WHERE v.ticket_id = c.id AND v.msisdn = c.reporter AND v.resolution = c.resolution)
                LIMIT ?3
                """, arguments: [from, to, max(1, limit)]).compactMap { row -> SurveyInvitation? in
                guard let reference = try? Reference(parsing: row[1] as String), let msisdn = MSISDN(row[2] as String) else { return nil }
                return SurveyInvitation(ticketID: row[0], reference: reference, msisdn: msisdn, language: row[3], resolution: row[4])
            }
        }
    }

    public func startSurveys(_ surveys: [(SurveyInvitation, String)], at: Date) async throws -> Int {
        try await database.writer.write { db in
            var started = 0
            for (s, text) in surveys {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO surveys (ticket_id, msisdn, reference, resolution, sent_at) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [s.ticketID, s.msisdn.e164, s.reference.digits, s.resolution, at])
                guard db.changesCount == 1 else { continue }
                try OutboxRows.enqueue(db, OutboundSMS(to: s.msisdn, body: text), ticketID: s.ticketID, at: at)
                started += 1
            }
            return started
        }
    }
}

extension SQLiteConversationTransaction {
    func openSurvey(of msisdn: MSISDN, since: Date) throws -> OpenSurvey? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT id, reference, answered_at FROM surveys WHERE msisdn = ? AND sent_at >= ? ORDER BY sent_at DESC, id DESC LIMIT 1
            """, arguments: [msisdn.e164, since]), (row[2] as Date?) == nil, let reference = try? Reference(parsing: row[1] as String) else { return nil }
        return OpenSurvey(id: row[0], reference: reference)
    }
}
