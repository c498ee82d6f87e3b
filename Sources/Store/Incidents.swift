import Domain
import Foundation
import Gateway
import GRDB
import Persistence

/// Incidents are written once (`Persistence/IncidentStatements.swift`); SQLite forgets the open
/// incidents it holds for the area step once a change has committed.
extension SQLiteStaffStore: IncidentBacked {
    public func incidentsChanged() { database.openIncidents.forget() }
}

/// Incidents as a hop and a new ticket see them: who is attached, which tickets are linked, and
/// the broadcasts of their news.
enum IncidentRows {
    static func open(_ db: Database, service: String) throws -> [Incident] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(IncidentStatements.columns) FROM incidents i WHERE i.status = 'open' AND i.service = ?
            """), arguments: [service]).map { try IncidentStatements.incident(SQLiteRow(row: $0)) }
    }

    /// A new ticket that an open incident covers is linked to it.
    static func linkIfCovered(_ db: Database, ticketID: Int64, _ d: TicketDraft, at: Date) throws {
        guard let incident = Incident.about(service: d.service, fault: d.fault, area: d.area, at: at, among: try open(db, service: d.service)) else { return }
        try db.cachedStatement(sql: "INSERT INTO incident_tickets (ticket_id, incident_id, linked_at, linked_by) VALUES (?, ?, ?, 'report')")
            .execute(arguments: [ticketID, incident.id, at])
    }

    /// Once per number; not to an incident closed since the caller was told of it.
    static func attach(_ db: Database, _ a: IncidentAttachment, at: Date) throws {
        try db.cachedStatement(sql: """
            INSERT INTO incident_residents (incident_id, msisdn, language, channel, attached_at)
            SELECT id, ?, ?, ?, ? FROM incidents WHERE id = ? AND status = 'open'
            ON CONFLICT (incident_id, msisdn) DO NOTHING
            """).execute(arguments: [a.msisdn.e164, a.language, a.channel.rawValue, at, a.incidentID])
    }
}
