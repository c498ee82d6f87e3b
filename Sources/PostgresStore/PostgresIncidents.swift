import Domain
import Foundation
import Gateway
import Logging
import PostgresNIO

extension PostgresStaffStore {
    public func declare(_ d: IncidentDraft, moe: String, actor: String, address: String?, at: Date) async throws -> Incident {
        let areas = (d.areas ?? []).joined(separator: ",")
        return try await client.withTransaction(logger: logger) { tx in
            var id: Int64 = 0
            for try await new in try await tx.query("""
                INSERT INTO incidents (moe, service, faults, areas, description, expected_at, status, created_at, updated_at)
                VALUES (\(moe), \(d.service ?? ""), \((d.faults ?? []).joined(separator: ",")), \(areas), \(d.description ?? ""), \(d.expectedAt),
                        'open', \(at), \(at))
                RETURNING id
                """, logger: logger).decode(Int64.self) { id = new }
            try await Self.record(tx, id, kind: "declared", d.description, d.expectedAt, areas, actor: actor, address: address, at: at, logger: logger)
            guard let incident = try await Self.incident(tx, id, moe: moe, lock: false, logger: logger) else { throw PostgresStoreError.noRowReturned }
            return incident
        }
    }

    public func changeIncident(_ id: Int64, moe: String, _ d: IncidentDraft, closing: Bool, actor: String, address: String?,
                               at: Date) async throws -> Incident? {
        try await client.withTransaction(logger: logger) { tx in
            guard let current = try await Self.incident(tx, id, moe: moe, lock: true, logger: logger) else { return nil }
            guard current.isOpen else { return current }
            // Areas only grow: a change made meanwhile by someone else is kept.
            let areas = (current.areas + (d.areas ?? []).filter { !current.areas.contains($0) }).joined(separator: ",")
            try await tx.query("""
                UPDATE incidents SET faults = \((d.faults ?? current.faults).joined(separator: ",")), areas = \(areas),
                       description = \(d.description ?? current.description), expected_at = \(d.expectedAt ?? current.expectedAt),
                       status = \(closing ? "closed" : "open"), updated_at = \(at), closed_at = \(closing ? at : nil)
                WHERE id = \(id)
                """, logger: logger)
            try await Self.record(tx, id, kind: closing ? "closed" : "updated", d.description, d.expectedAt, areas, actor: actor, address: address,
                                  at: at, logger: logger)
            return try await Self.incident(tx, id, moe: moe, lock: false, logger: logger)
        }
    }

    public func incident(_ id: Int64, moe: String) async throws -> Incident? {
        try await client.withConnection { c in try await Self.incident(c, id, moe: moe, lock: false, logger: logger) }
    }

    public func openIncidents(moe: String?) async throws -> [Incident] {
        var out: [Incident] = []
        for try await row in try await client.query("""
            SELECT \(unescaped: Self.incidentColumns) FROM incidents WHERE status = 'open' AND (\(moe)::TEXT IS NULL OR moe = \(moe))
            ORDER BY created_at DESC, id DESC
            """, logger: logger) {
            out.append(try Self.incident(row))
        }
        return out
    }

    public func incidentHistory(_ id: Int64) async throws -> [IncidentEvent] {
        var out: [IncidentEvent] = []
        for try await (at, kind, description, expected, areas, actor) in try await client.query("""
            SELECT at, kind, description, expected_at, areas, actor FROM incident_events WHERE incident_id = \(id) ORDER BY id
            """, logger: logger).decode((Date, String, String?, Date?, String?, String).self) {
            out.append(IncidentEvent(at: at, kind: kind, description: description, expectedAt: expected, areas: Incident.codes(areas ?? ""), actor: actor))
        }
        return out
    }

    static let incidentColumns = "id, moe, service, faults, areas, description, expected_at, status, created_at, updated_at"

    static func record(_ tx: PostgresConnection, _ id: Int64, kind: String, _ description: String?, _ expectedAt: Date?, _ areas: String,
                       actor: String, address: String?, at: Date, logger: Logger) async throws {
        try await tx.query("""
            INSERT INTO incident_events (incident_id, at, kind, description, expected_at, areas, actor)
            VALUES (\(id), \(at), \(kind), \(description), \(expectedAt), \(areas), \(actor))
            """, logger: logger)
        try await tx.query("""
            INSERT INTO audit_log (at, actor, action, detail, address) VALUES (\(at), \(actor), \("incident \(kind)"), \("incident \(id): \(areas)"), \(address))
            """, logger: logger)
    }

    static func incident(_ c: PostgresConnection, _ id: Int64, moe: String, lock: Bool, logger: Logger) async throws -> Incident? {
        var found: Incident?
        let sql: PostgresQuery = lock
            ? "SELECT \(unescaped: incidentColumns) FROM incidents WHERE id = \(id) AND moe = \(moe) FOR UPDATE"
            : "SELECT \(unescaped: incidentColumns) FROM incidents WHERE id = \(id) AND moe = \(moe)"
        for try await row in try await c.query(sql, logger: logger) { found = try incident(row) }
        return found
    }

    static func incident(_ row: PostgresRow) throws -> Incident {
        let (id, moe, service, faults, areas, description, expected, status, created, updated) =
            try row.decode((Int64, String, String, String, String, String, Date?, String, Date, Date).self)
        return Incident(id: id, moe: moe, service: service, faults: Incident.codes(faults), areas: Incident.codes(areas), description: description,
                        expectedAt: expected, isOpen: status == "open", createdAt: created, updatedAt: updated)
    }
}
