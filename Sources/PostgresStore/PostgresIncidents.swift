import Domain
import Foundation
import Gateway
import Logging
import Persistence
import PostgresNIO

/// Incidents are written once (`Persistence/IncidentStatements.swift`).
extension PostgresStaffStore: IncidentBacked {
    public func incidentsChanged() { database.openIncidents.forget() }
}

/// As `Store.IncidentRows`: who is attached, which tickets are linked, and the broadcasts.
enum PostgresIncidentRows {
    static func open(_ c: PostgresConnection, service: String, logger: Logger) async throws -> [Incident] {
        var out: [Incident] = []
        for try await row in try await c.query("""
            SELECT \(unescaped: IncidentStatements.columns) FROM incidents i WHERE i.status = 'open' AND i.service = \(service)
            """, logger: logger) {
            out.append(try IncidentStatements.incident(PostgresSQLRow(row: row.makeRandomAccess())))
        }
        return out
    }

    /// A new ticket that an open incident covers is linked to it.
    static func linkIfCovered(_ tx: PostgresConnection, ticketID: Int64, _ d: TicketDraft, at: Date, logger: Logger) async throws {
        let open = try await open(tx, service: d.service, logger: logger)
        guard let incident = Incident.about(service: d.service, fault: d.fault, area: d.area, at: at, among: open) else { return }
        try await tx.query("""
            INSERT INTO incident_tickets (ticket_id, incident_id, linked_at, linked_by) VALUES (\(ticketID), \(incident.id), \(at), 'report')
            """, logger: logger)
    }

    /// Once per number; not to an incident closed since the caller was told of it.
    static func attach(_ tx: PostgresConnection, _ a: IncidentAttachment, at: Date, logger: Logger) async throws {
        try await tx.query("""
            INSERT INTO incident_residents (incident_id, msisdn, language, channel, attached_at)
            SELECT id, \(a.msisdn.e164), \(a.language), \(a.channel.rawValue), \(at) FROM incidents WHERE id = \(a.incidentID) AND status = 'open'
            ON CONFLICT (incident_id, msisdn) DO NOTHING
            """, logger: logger)
    }
}
