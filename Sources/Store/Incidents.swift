import Domain
import Foundation
import Gateway
import GRDB

extension SQLiteStaffStore {
    static let incidentColumns = "id, moe, service, faults, areas, description, expected_at, status, created_at, updated_at"

    public func declare(_ d: IncidentDraft, moe: String, actor: String, address: String?, at: Date) async throws -> Incident {
        try await database.writer.write { db in
            let areas = (d.areas ?? []).joined(separator: ",")
            try db.execute(sql: """
                INSERT INTO incidents (moe, service, faults, areas, description, expected_at, status, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)
                """, arguments: [moe, d.service ?? "", (d.faults ?? []).joined(separator: ","), areas, d.description ?? "", d.expectedAt, at, at])
            let id = db.lastInsertedRowID
            try Self.record(db, id, kind: "declared", d.description, d.expectedAt, areas, actor: actor, address: address, at: at)
            return try Self.incident(db, id, moe: moe)!
        }
    }

    public func changeIncident(_ id: Int64, moe: String, _ d: IncidentDraft, closing: Bool, actor: String, address: String?,
                               at: Date) async throws -> Incident? {
        try await database.writer.write { db in
            guard let current = try Self.incident(db, id, moe: moe) else { return nil }
            guard current.isOpen else { return current }
            // Areas only grow: a change made meanwhile by someone else is kept.
            let areas = current.areas + (d.areas ?? []).filter { !current.areas.contains($0) }
            try db.execute(sql: """
                UPDATE incidents SET faults = ?, areas = ?, description = ?, expected_at = ?, status = ?, updated_at = ?, closed_at = ?
                WHERE id = ?
                """, arguments: [(d.faults ?? current.faults).joined(separator: ","), areas.joined(separator: ","),
                                 d.description ?? current.description, d.expectedAt ?? current.expectedAt, closing ? "closed" : "open", at,
                                 closing ? at : nil, id])
            try Self.record(db, id, kind: closing ? "closed" : "updated", d.description, d.expectedAt, areas.joined(separator: ","), actor: actor,
                            address: address, at: at)
            return try Self.incident(db, id, moe: moe)
        }
    }

    public func incident(_ id: Int64, moe: String) async throws -> Incident? {
        try await database.writer.read { db in try Self.incident(db, id, moe: moe) }
    }

    public func openIncidents(moe: String?) async throws -> [Incident] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.incidentColumns) FROM incidents WHERE status = 'open' AND (?1 IS NULL OR moe = ?1) ORDER BY created_at DESC, id DESC
                """, arguments: [moe]).map(Self.incident)
        }
    }

    public func incidentHistory(_ id: Int64) async throws -> [IncidentEvent] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT at, kind, description, expected_at, areas, actor FROM incident_events WHERE incident_id = ? ORDER BY id
                """, arguments: [id]).map { row in
                IncidentEvent(at: row[0], kind: row[1], description: row[2], expectedAt: row[3], areas: Incident.codes(row[4] ?? ""), actor: row[5])
            }
        }
    }

    static func record(_ db: Database, _ id: Int64, kind: String, _ description: String?, _ expectedAt: Date?, _ areas: String, actor: String,
                       address: String?, at: Date) throws {
        try db.execute(sql: """
            INSERT INTO incident_events (incident_id, at, kind, description, expected_at, areas, actor) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, at, kind, description, expectedAt, areas, actor])
        try db.execute(sql: "INSERT INTO audit_log (at, actor, action, detail, address) VALUES (?, ?, ?, ?, ?)",
                       arguments: [at, actor, "incident \(kind)", "incident \(id): \(areas)", address])
    }

    static func incident(_ db: Database, _ id: Int64, moe: String) throws -> Incident? {
        try Row.fetchOne(db, sql: "SELECT \(incidentColumns) FROM incidents WHERE id = ? AND moe = ?", arguments: [id, moe]).map(incident)
    }

    static func incident(_ row: Row) -> Incident {
        Incident(id: row[0], moe: row[1], service: row[2], faults: Incident.codes(row[3]), areas: Incident.codes(row[4]), description: row[5],
                 expectedAt: row[6], isOpen: (row[7] as String) == "open", createdAt: row[8], updatedAt: row[9])
    }
}
