import Domain
import Foundation
import Gateway
import Logging
import PostgresNIO

/// Ticket listings for Open311 on PostgreSQL: public fields only, filtered and paged in SQL.
public struct PostgresRequestListing: RequestListing {
    let database: PostgresAppDatabase

    public init(_ database: PostgresAppDatabase) { self.database = database }

    public func publicUpdates(from: Date, to: Date, limit: Int) async throws -> [PublicUpdate] {
        var out: [PublicUpdate] = []
        for try await (id, reference, status, note, at) in try await database.client.query("""
            SELECT e.id, t.reference, e.to_status, e.note, e.at FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
            WHERE (e.is_public OR e.kind = 'duplicate') AND e.at >= \(from) AND e.at < \(to) ORDER BY e.at, e.id LIMIT \(limit)
            """, logger: database.logger).decode((Int64, String, String?, String?, Date).self) {
            guard let r = try? Reference(parsing: reference) else { continue }
            out.append(PublicUpdate(id: id, reference: r, status: status.flatMap(TicketStatus.init), note: note, at: at))
        }
        return out
    }

    public func requests(_ f: RequestFilter) async throws -> [PublicRequest] {
        var q = SQLText("SELECT \(PostgresTicketRows.publicColumns), t.address, t.description, t.lat, t.long FROM \(PostgresTicketRows.publicFrom) WHERE true")
        if !f.references.isEmpty { q.sql += " AND t.reference = ANY(\(try q.bind(f.references.map(\.digits))))" }
        if !f.services.isEmpty {
            var pairs: [String] = []
            for s in f.services {
                var pair = "(t.service = \(try q.bind(s.service))"
                if let fault = s.fault { pair += " AND t.fault = \(try q.bind(fault))" }
                pairs.append(pair + ")")
            }
            q.sql += " AND (" + pairs.joined(separator: " OR ") + ")"
        }
        if let start = f.start { q.sql += " AND t.created_at >= \(try q.bind(start))" }
        if let end = f.end { q.sql += " AND t.created_at <= \(try q.bind(end))" }
        if let open = f.open {
            let closed = try q.bind(TicketStatus.allCases.filter { !$0.isOpen }.map(\.rawValue))
            q.sql += open ? " AND NOT (t.status = ANY(\(closed)))" : " AND t.status = ANY(\(closed))"
        }
        let limit = try q.bind(Int64(f.pageSize)), offset = try q.bind(Int64(Paging.offset(page: f.page, size: f.pageSize)))
        q.sql += " ORDER BY t.created_at DESC, t.id DESC LIMIT \(limit) OFFSET \(offset)"
        let query = q.query
        var out: [PublicRequest] = []
        let rows = try await database.client.query(query, logger: database.logger)
        for try await row in rows {
            guard let ticket = try PostgresTicketRows.decode(row) else { continue }
            let columns = row.makeRandomAccess()
            let (lat, long) = (try columns[16].decode(Double?.self), try columns[17].decode(Double?.self))
            out.append(PublicRequest(ticket: ticket, address: try columns[14].decode(String.self), description: try columns[15].decode(String.self),
                                     location: lat.flatMap { lat in long.flatMap { GeoPoint(lat: lat, long: $0) } }))
        }
        return out
    }
}

/// Gauges read from PostgreSQL when /metrics is scraped (the same names as on SQLite).
public struct PostgresStatistics: OperationalStatistics {
    let database: PostgresAppDatabase

    public init(_ database: PostgresAppDatabase) { self.database = database }

    public func readings(now: Date) async throws -> [GaugeReading] {
        let client = database.client, logger = database.logger
        var out: [GaugeReading] = []
        for try await (moe, open, overdue) in try await client.query("""
            SELECT t.moe, COUNT(*)::BIGINT, COUNT(*) FILTER (WHERE \(unescaped: DueDate.sql) < \(now))::BIGINT
            FROM tickets t WHERE t.status = ANY(\(WorklistQuery.open.map(\.rawValue))) GROUP BY t.moe
            """, logger: logger).decode((String, Int64, Int64).self) {
            out.append(GaugeReading(name: "civicgate_backlog_tickets", labels: ["moe": moe], value: Int(open)))
            out.append(GaugeReading(name: "civicgate_overdue_tickets", labels: ["moe": moe], value: Int(overdue)))
        }
        for try await (channel, status, n) in try await client.query("""
            SELECT channel, status, COUNT(*)::BIGINT FROM tickets GROUP BY channel, status
            """, logger: logger).decode((String, String, Int64).self) {
            out.append(GaugeReading(name: "civicgate_tickets", labels: ["channel": channel, "status": status], value: Int(n)))
        }
        for try await (status, n) in try await client.query("SELECT status, COUNT(*)::BIGINT FROM outbox GROUP BY status", logger: logger)
            .decode((String, Int64).self) {
            out.append(GaugeReading(name: "civicgate_outbox_messages", labels: ["status": status], value: Int(n)))
        }
        var sessions: Int64 = 0
        for try await n in try await client.query("SELECT COUNT(*)::BIGINT FROM ussd_sessions WHERE key NOT LIKE 'sms:%'", logger: logger)
            .decode(Int64.self) { sessions = n }
        out.append(GaugeReading(name: "civicgate_ussd_sessions", labels: [:], value: Int(sessions)))
        return out
    }
}
