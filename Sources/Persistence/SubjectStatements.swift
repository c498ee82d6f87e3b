import Domain
import Foundation
import Gateway

/// A store that holds some writes in memory before they reach disk (SQLite's sessions in
/// progress) settles them before a read that must count them: /metrics, a subject access request.
public protocol Settling: SQLBacked {
    func settle() async throws
}

extension Settling {
    public func settle() async throws {}
}

/// A data subject's request, for both stores. (Erasing stays with each store: SQLite saves and
/// forgets its sessions in progress inside that transaction.)
extension SubjectStore where Self: Settling {
    public func subjectData(_ number: MSISDN) async throws -> SubjectData {
        let n = number.e164
        try await settle()
        return try await statements.look(.run([
            "SELECT language, opted_out FROM subscribers WHERE msisdn = \(n)",
            "SELECT id, reference, service, fault, area, address, description, channel, status, created_at FROM tickets WHERE reporter = \(n) ORDER BY created_at, id",
            """
            SELECT e.ticket_id, e.at, e.to_status, e.note FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
            WHERE t.reporter = \(n) AND e.is_public ORDER BY e.at, e.id
            """,
            """
            SELECT d.ticket_id, d.email, d.first_name, d.last_name, d.media_url, d.attributes FROM reporter_details d JOIN tickets t ON t.id = d.ticket_id
            WHERE t.reporter = \(n)
            """,
            "SELECT received_at, body FROM inbound_sms WHERE msisdn = \(n) ORDER BY id",
            "SELECT created_at, body, status FROM outbox WHERE msisdn = \(n) ORDER BY id",
            "SELECT reference, sent_at, rating FROM surveys WHERE msisdn = \(n) ORDER BY id",
            "SELECT incident_id, channel, attached_at FROM incident_residents WHERE msisdn = \(n) ORDER BY incident_id",
            "SELECT COUNT(*) AS n FROM ussd_sessions WHERE msisdn = \(n)",
            """
            SELECT t.reference, j.channel, j.created_at FROM ticket_reporters j JOIN tickets t ON t.id = j.ticket_id
            WHERE j.msisdn = \(n) ORDER BY j.created_at, j.id
            """,
            "SELECT area, created_at FROM alert_subscriptions WHERE msisdn = \(n) ORDER BY created_at, area",
        ]) { rows in
            var updates: [Int64: [SubjectData.Update]] = [:]
            for row in rows[2] {
                updates[try row.integer(required: "ticket_id"), default: []].append(
                    SubjectData.Update(at: try row.date(required: "at"), status: try row.text("to_status"), message: try row.text("note")))
            }
            var details: [Int64: ReporterDetails] = [:]
            for d in rows[3] {
                details[try d.integer(required: "ticket_id")] = ReporterDetailsCodec.details(
                    email: try d.text("email"), first: try d.text("first_name"), last: try d.text("last_name"), media: try d.text("media_url"),
                    attributes: try d.text("attributes"))
            }
            let tickets = try rows[1].map { t in
                let id = try t.integer(required: "id")
                return SubjectData.TicketEntry(reference: try t.text(required: "reference"), service: try t.text(required: "service"),
                                               fault: try t.text(required: "fault"), area: try t.text(required: "area"), address: try t.text(required: "address"),
                                               description: try t.text(required: "description"), channel: try t.text(required: "channel"),
                                               status: try t.text(required: "status"), reportedAt: try t.date(required: "created_at"),
                                               updates: updates[id] ?? [], details: details[id])
            }
            return .done(SubjectData(
                number: n,
                settings: try rows[0].first.map { SubjectData.Settings(language: try $0.text("language"), optedOut: try $0.bool(required: "opted_out")) },
                tickets: tickets,
                sms_received: try rows[4].map { SubjectData.Message(at: try $0.date(required: "received_at"), text: try $0.text(required: "body"), status: nil) },
                sms_sent: try rows[5].map {
                    SubjectData.Message(at: try $0.date(required: "created_at"), text: try $0.text(required: "body"), status: try $0.text(required: "status"))
                },
                surveys: try rows[6].map {
                    SubjectData.SurveyAnswer(reference: try $0.text(required: "reference"), askedAt: try $0.date(required: "sent_at"),
                                             rating: try $0.integer("rating").map(Int.init))
                },
                incidents: try rows[7].map {
                    SubjectData.Attachment(incident: try $0.integer(required: "incident_id"), channel: try $0.text(required: "channel"),
                                           attachedAt: try $0.date(required: "attached_at"))
                },
                joined: try rows[9].map {
                    SubjectData.Joined(reference: try $0.text(required: "reference"), channel: try $0.text(required: "channel"),
                                       joinedAt: try $0.date(required: "created_at"))
                },
                alertAreas: try rows[10].map { SubjectData.AlertArea(area: try $0.text(required: "area"), since: try $0.date(required: "created_at")) },
                open_sessions: try rows[8].first?.int("n") ?? 0))
        })
    }
}
