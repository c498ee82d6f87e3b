import Domain
import Foundation
import Gateway
import GRDB

extension SQLiteStaffStore {
    /// Tickets stored before `due_at` existed get their targets once, from the catalogue's service
    /// levels as they stand, in batches; returns how many.
    @discardableResult
    public func storeMissingDueDates() throws -> Int {
        let levels = self.levels
        var total = 0
        while true {
            let done = try database.writer.write { db -> Int in
                let rows = try Row.fetchAll(db, sql: "SELECT id, service, fault, moe, created_at FROM tickets WHERE due_at IS NULL LIMIT 1000")
                for row in rows {
                    let due = levels.targets(service: row["service"], fault: row["fault"], moe: row["moe"], from: row["created_at"])
                    try db.execute(sql: "UPDATE tickets SET due_at = ?, acknowledge_due_at = COALESCE(acknowledge_due_at, ?) WHERE id = ?",
                                   arguments: [due.resolve, due.acknowledge, row["id"] as Int64])
                }
                return rows.count
            }
            total += done
            if done < 1000 { return total }
        }
    }
}
