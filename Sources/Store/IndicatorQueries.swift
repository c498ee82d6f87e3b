import Domain
import Foundation
import Gateway
import GRDB

extension SQLiteStaffStore {
    public func indicatorTickets(moe: String?, from: Date, to: Date) async throws -> [IndicatorTicket] {
        let open = WorklistQuery.open.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.created_at,
                       (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.from_status = 'new' AND e.to_status <> 'new'),
                       (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'status' AND e.to_status IN ('resolved', 'closed')),
                       t.acknowledge_due_at, t.due_at,
                       EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'reopened'),
                       (SELECT group_concat(s.rating) FROM surveys s WHERE s.ticket_id = t.id AND s.rating BETWEEN 1 AND 5),
                       t.status IN ('duplicate', 'rejected'), t.channel, t.service, t.area, t.moe,
                       CASE WHEN t.status IN (\(open)) THEN NULL ELSE t.updated_at END
                FROM tickets t WHERE (?1 IS NULL OR t.moe = ?1) AND t.created_at >= ?2 AND t.created_at < ?3
                """, arguments: [moe, from, to]).map { row in
                var t = IndicatorTicket(createdAt: row[0], acknowledgedAt: row[1], resolvedAt: row[2], acknowledgeDueAt: row[3], dueAt: row[4],
                                        reopened: row[5], ratings: ((row[6] as String?) ?? "").split(separator: ",").compactMap { Int($0) },
                                        closedWithoutResolution: row[7], closedAt: row[12])
                (t.channel, t.service, t.area, t.moe) = (row[8], row[9], row[10], row[11])
                return t
            }
        }
    }
}

extension SQLiteStaffStore {
    public func changedTickets(limit: Int) async throws -> [ChangedTicket] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT ticket_id, version, created_at FROM figures_changed ORDER BY created_at LIMIT ?", arguments: [limit])
                .map { ChangedTicket(id: $0[0], version: $0[1], createdAt: $0[2]) }
        }
    }

    @discardableResult
    public func replaceFigures(day: Int, with rows: [DayFigures], madeAt: Date) async throws -> Bool {
        try await database.writer.write { db in
            let latest = try Date.fetchOne(db, sql: "SELECT made_at FROM figure_days WHERE day = ?", arguments: [day])
            if let latest, latest > madeAt { return false }
            try db.execute(sql: "INSERT INTO figure_days (day, made_at) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET made_at = excluded.made_at",
                           arguments: [day, madeAt])
            try db.execute(sql: "DELETE FROM daily_figures WHERE day = ?", arguments: [day])
            let insert = try db.cachedStatement(sql: """
                INSERT INTO daily_figures (day, moe, service, area, received, open, closed_on, last_closed, figures) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for r in rows {
                try insert.execute(arguments: [r.day, r.moe, r.service, r.area, r.receivedCount, r.open, r.closedOn.encoded, r.closedOn.max, r.encoded])
            }
            return true
        }
    }

    public func clearChanged(_ tickets: [ChangedTicket]) async throws {
        // In slices, so a first build of a million marks never holds the writer for long.
        for slice in stride(from: 0, to: tickets.count, by: 5000).map({ tickets[$0..<min($0 + 5000, tickets.count)] }) {
            try await database.writer.write { db in
                let delete = try db.cachedStatement(sql: "DELETE FROM figures_changed WHERE ticket_id = ? AND version = ?")
                for t in slice { try delete.execute(arguments: [t.id, t.version]) }
            }
        }
    }

    public func figures(_ filter: FigureFilter, fromDay: Int, toDay: Int) async throws -> [DayFigures] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT day, moe, service, area, open, closed_on, figures FROM daily_figures
                WHERE day >= ?4 AND day < ?5 AND (?1 IS NULL OR moe = ?1) AND (?2 IS NULL OR service = ?2) AND (?3 IS NULL OR area = ?3)
                """, arguments: [filter.moe, filter.service, filter.area, fromDay, toDay]).compactMap { row in
                DayFigures(day: row[0], moe: row[1], service: row[2], area: row[3], open: row[4], closedOn: row[5], encoded: row[6])
            }
        }
    }

    public func figuresOutside(_ filter: FigureFilter, fromDay: Int, toDay: Int) async throws -> [BacklogRow] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT day, received, open, closed_on FROM daily_figures
                WHERE ((day < ?4 AND (open > 0 OR last_closed >= ?4)) OR (day >= ?5 AND open > 0))
                  AND (?1 IS NULL OR moe = ?1) AND (?2 IS NULL OR service = ?2) AND (?3 IS NULL OR area = ?3)
                """, arguments: [filter.moe, filter.service, filter.area, fromDay, toDay]).compactMap { row in
                Tally(encoded: Substring(row[3] as String)).map { BacklogRow(day: row[0], received: row[1], open: row[2], closedOn: $0) }
            }
        }
    }
}

extension SQLiteStaffStore {
    public func openDataRows(after id: Int64, limit: Int) async throws -> [OpenDataRow] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.id, t.reference, t.service, t.fault, t.area, t.moe, t.channel, t.status, t.created_at,
                       (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.from_status = 'new' AND e.to_status <> 'new'),
                       (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'status' AND e.to_status IN ('resolved', 'closed')),
                       t.acknowledge_due_at, t.due_at
                FROM tickets t WHERE t.id > ? ORDER BY t.id LIMIT ?
                """, arguments: [id, limit]).map { row in
                OpenDataRow(id: row[0], reference: row[1], service: row[2], fault: row[3], area: row[4], moe: row[5], channel: row[6],
                            status: row[7], createdAt: row[8], acknowledgedAt: row[9], resolvedAt: row[10], acknowledgeDueAt: row[11], dueAt: row[12])
            }
        }
    }
}
