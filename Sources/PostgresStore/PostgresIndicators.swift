import Domain
import Foundation
import Gateway
import PostgresNIO

/// Replacing a day's rollup (under an advisory lock on the day) and clearing its marks (the reads
/// are shared, `Persistence/FigureStatements.swift`).
extension PostgresStaffStore {
    static let figuresLock: Int32 = 0x6367_6667

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
}
