import Domain
import Foundation
import Gateway
import PostgresNIO

extension PostgresStaffStore {
    public func indicatorTickets(moe: String?, from: Date, to: Date) async throws -> [IndicatorTicket] {
        var out: [IndicatorTicket] = []
        for try await row in try await client.query("""
            SELECT t.created_at,
                   (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.from_status = 'new' AND e.to_status <> 'new'),
                   (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'status' AND e.to_status IN ('resolved', 'closed')),
                   t.acknowledge_due_at, t.due_at,
                   EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'reopened'),
                   (SELECT string_agg(s.rating::TEXT, ',') FROM surveys s WHERE s.ticket_id = t.id AND s.rating BETWEEN 1 AND 5),
                   t.status IN ('duplicate', 'rejected'), t.channel, t.service, t.area, t.moe,
                   CASE WHEN t.status = ANY(\(WorklistQuery.open.map(\.rawValue))) THEN NULL ELSE t.updated_at END
            FROM tickets t WHERE (\(moe)::TEXT IS NULL OR t.moe = \(moe)) AND t.created_at >= \(from) AND t.created_at < \(to)
            """, logger: logger) {
            let (created, ack, resolved, ackDue, due, reopened, ratings, without, channel, service, area, ticketMOE, closed) =
                try row.decode((Date, Date?, Date?, Date?, Date?, Bool, String?, Bool, String, String, String, String, Date?).self)
            var t = IndicatorTicket(createdAt: created, acknowledgedAt: ack, resolvedAt: resolved, acknowledgeDueAt: ackDue, dueAt: due,
                                    reopened: reopened, ratings: (ratings ?? "").split(separator: ",").compactMap { Int($0) },
                                    closedWithoutResolution: without, closedAt: closed)
            (t.channel, t.service, t.area, t.moe) = (channel, service, area, ticketMOE)
            out.append(t)
        }
        return out
    }
}

extension PostgresStaffStore {
    static let figuresLock: Int32 = 0x6367_6667

    public func changedTickets(limit: Int) async throws -> [ChangedTicket] {
        var out: [ChangedTicket] = []
        for try await (id, version, created) in try await client.query(
            "SELECT ticket_id, version, created_at FROM figures_changed ORDER BY created_at LIMIT \(Int64(limit))", logger: logger
        ).decode((Int64, Int64, Date).self) {
            out.append(ChangedTicket(id: id, version: version, createdAt: created))
        }
        return out
    }

    @discardableResult
    public func replaceFigures(day: Int, with rows: [DayFigures], madeAt: Date) async throws -> Bool {
        try await client.withTransaction(logger: logger) { tx in
            // Two instances making the same day take turns, so neither sees the other's half, and
            // figures made from an earlier read of the tickets never replace later ones.
            try await tx.perform("SELECT pg_advisory_xact_lock(\(Self.figuresLock), \(Int32(truncatingIfNeeded: day)))::text", logger: logger)
            var latest: Date?
            for try await at in try await tx.query("SELECT made_at FROM figure_days WHERE day = \(Int32(day))", logger: logger).decode(Date.self) {
                latest = at
            }
            if let latest, latest > madeAt { return false }
            try await tx.query("""
                INSERT INTO figure_days (day, made_at) VALUES (\(Int32(day)), \(madeAt)) ON CONFLICT (day) DO UPDATE SET made_at = excluded.made_at
                """, logger: logger)
            try await tx.query("DELETE FROM daily_figures WHERE day = \(Int32(day))", logger: logger)
            for r in rows {
                try await tx.query("""
                    INSERT INTO daily_figures (day, moe, service, area, received, open, closed_on, last_closed, figures)
                    VALUES (\(Int32(r.day)), \(r.moe), \(r.service), \(r.area), \(Int32(r.receivedCount)), \(Int32(r.open)), \(r.closedOn.encoded),
                            \(r.closedOn.max.map { Int32($0) }), \(r.encoded))
                    """, logger: logger)
            }
            return true
        }
    }

    public func clearChanged(_ tickets: [ChangedTicket]) async throws {
        for start in stride(from: 0, to: tickets.count, by: 10000) {
            let slice = tickets[start..<min(start + 10000, tickets.count)]
            try await client.query("""
                DELETE FROM figures_changed f USING unnest(\(slice.map(\.id))::BIGINT[], \(slice.map(\.version))::BIGINT[]) AS r(id, v)
                WHERE f.ticket_id = r.id AND f.version = r.v
                """, logger: logger)
        }
    }

    public func figures(_ filter: FigureFilter, fromDay: Int, toDay: Int) async throws -> [DayFigures] {
        let (from, to) = (Int32(clamping: fromDay), Int32(clamping: toDay))
        return try await readFigures("""
            SELECT day, moe, service, area, open, closed_on, figures FROM daily_figures WHERE day >= \(from) AND day < \(to)
              AND (\(filter.moe)::TEXT IS NULL OR moe = \(filter.moe)) AND (\(filter.service)::TEXT IS NULL OR service = \(filter.service))
              AND (\(filter.area)::TEXT IS NULL OR area = \(filter.area))
            """)
    }

    public func figuresOutside(_ filter: FigureFilter, fromDay: Int, toDay: Int) async throws -> [BacklogRow] {
        let (from, to) = (Int32(clamping: fromDay), Int32(clamping: toDay))
        var out: [BacklogRow] = []
        for try await (day, received, open, closedOn) in try await client.query("""
            SELECT day, received, open, closed_on FROM daily_figures
            WHERE ((day < \(from) AND (open > 0 OR last_closed >= \(from))) OR (day >= \(to) AND open > 0))
              AND (\(filter.moe)::TEXT IS NULL OR moe = \(filter.moe)) AND (\(filter.service)::TEXT IS NULL OR service = \(filter.service))
              AND (\(filter.area)::TEXT IS NULL OR area = \(filter.area))
            """, logger: logger).decode((Int32, Int32, Int32, String).self) {
            if let closed = Tally(encoded: Substring(closedOn)) {
                out.append(BacklogRow(day: Int(day), received: Int(received), open: Int(open), closedOn: closed))
            }
        }
        return out
    }

    func readFigures(_ query: PostgresQuery) async throws -> [DayFigures] {
        var out: [DayFigures] = []
        for try await (day, moe, service, area, open, closedOn, figures) in try await client.query(query, logger: logger)
            .decode((Int32, String, String, String, Int32, String, String).self) {
            if let row = DayFigures(day: Int(day), moe: moe, service: service, area: area, open: Int(open), closedOn: closedOn, encoded: figures) {
                out.append(row)
            }
        }
        return out
    }
}

extension PostgresStaffStore {
    public func openDataRows(after id: Int64, limit: Int) async throws -> [OpenDataRow] {
        var out: [OpenDataRow] = []
        for try await row in try await client.query("""
            SELECT t.id, t.reference, t.service, t.fault, t.area, t.moe, t.channel, t.status, t.created_at,
                   (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.from_status = 'new' AND e.to_status <> 'new'),
                   (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'status' AND e.to_status IN ('resolved', 'closed')),
                   t.acknowledge_due_at, t.due_at
            FROM tickets t WHERE t.id > \(id) ORDER BY t.id LIMIT \(Int64(limit))
            """, logger: logger) {
            let (rowID, digits, service, fault, area, moe, channel, status, created, ack, resolved, ackDue, due) =
                try row.decode((Int64, String, String, String, String, String, String, String, Date, Date?, Date?, Date?, Date?).self)
            out.append(OpenDataRow(id: rowID, reference: digits, service: service, fault: fault, area: area, moe: moe, channel: channel,
                                   status: status, createdAt: created, acknowledgedAt: ack, resolvedAt: resolved, acknowledgeDueAt: ackDue, dueAt: due))
        }
        return out
    }
}
