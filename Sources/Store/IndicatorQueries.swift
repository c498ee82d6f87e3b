import Domain
import Foundation
import Gateway
import GRDB

/// Replacing a day's rollup and clearing its marks: on SQLite's one writer (the reads are shared,
/// `Persistence/FigureStatements.swift`).
extension SQLiteStaffStore {
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
        // In slices, so a first build of a million marks never holds the writer for long: 500 deletes
        // take 6-9 ms, about a purge batch; 5,000 held it 43-175 ms (in the marks' order or not; 300,000 marks).
        for slice in stride(from: 0, to: tickets.count, by: 500).map({ tickets[$0..<min($0 + 500, tickets.count)] }) {
            try await database.writer.write { db in
                let delete = try db.cachedStatement(sql: "DELETE FROM figures_changed WHERE ticket_id = ? AND version = ?")
                for t in slice { try delete.execute(arguments: [t.id, t.version]) }
            }
        }
    }
}
