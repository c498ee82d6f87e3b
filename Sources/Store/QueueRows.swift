import Domain
import Foundation
import Gateway
import GRDB

extension SQLiteStaffStore {
    /// Tickets stored before `due_at` existed get their targets once, from the catalogue's service
    /// levels as they stand, in batches; returns how many. They are looked for on a reader (a scan
    /// of every ticket when there are none, as there are on every start after the first): held
    /// in a write transaction, that scan kept the writer 44-52 ms at every start of `serve` or of
    /// a verb such as `purge` beside it, 300,000 tickets (`scripts/bench-popia.sh`).
    @discardableResult
    public func storeMissingDueDates() throws -> Int {
        let levels = self.levels
        var total = 0
        while true {
            let rows = try database.writer.read { db in
                try Row.fetchAll(db, sql: "SELECT id, service, fault, moe, created_at FROM tickets WHERE due_at IS NULL LIMIT 1000")
            }
            guard !rows.isEmpty else { return total }
            total += try database.writer.write { db -> Int in
                var changed = 0
                for row in rows {
                    let due = levels.targets(service: row["service"], fault: row["fault"], moe: row["moe"], from: row["created_at"])
                    try db.execute(sql: """
                        UPDATE tickets SET due_at = ?, acknowledge_due_at = COALESCE(acknowledge_due_at, ?) WHERE id = ? AND due_at IS NULL
                        """, arguments: [due.resolve, due.acknowledge, row["id"] as Int64])
                    changed += db.changesCount
                }
                return changed
            }
            if rows.count < 1000 { return total }
        }
    }
}
