import Domain

/// `tickets.street_number` for the tickets filed before it was kept (v24): each address read once
/// by `ReportedPlace.storedNumber`, as every new ticket's is when it is filed. Run at start, before
/// the first report is compared; the same on both stores.
public enum StreetNumbers {
    /// The next addresses not yet read after ticket `after`, along the key (a walk, never a scan
    /// of what is done); on PostgreSQL those another instance is reading are skipped.
    static func unread(after: Int64, limit: Int) -> SQL {
        """
        SELECT id, address FROM tickets WHERE id > \(after) AND street_number IS NULL ORDER BY id LIMIT \(limit)\(sqlite: "", postgres: " FOR UPDATE SKIP LOCKED")
        """
    }

    /// Each row's number, in one statement: the rows of each number as one list, "" (no number,
    /// most of them) for the rest.
    static func keep(_ numbers: [(id: Int64, number: String)]) -> SQL {
        let byNumber = Dictionary(grouping: numbers.filter { !$0.number.isEmpty }, by: \.number).sorted { $0.key < $1.key }
        let value: SQL = byNumber.isEmpty ? "''" : byNumber.reduce("CASE" as SQL) { sql, group in sql + " WHEN id IN \(list: group.value.map(\.id)) THEN \(group.key)" }
            + " ELSE '' END"
        return "UPDATE tickets SET street_number = \(value) WHERE id IN \(list: numbers.map(\.id))"
    }

    /// Reads every address not yet read, `batch` rows per transaction (a million tickets: 2,000
    /// short transactions, memory flat); returns how many tickets it set.
    @discardableResult
    public static func fill(_ db: any SQLDatabase, batch: Int = 500) async throws -> Int {
        var (total, after): (Int, Int64) = (0, 0)
        while true {
            let numbers = try await db.run(SQLFlow<[(id: Int64, number: String)]>.run(unread(after: after, limit: max(1, batch))) { rows in
                let numbers = try rows.map { (id: try $0.integer(required: "id"), number: ReportedPlace.storedNumber(of: try $0.text("address") ?? "")) }
                return .write(numbers.isEmpty ? [] : [keep(numbers)], numbers)
            })
            guard let last = numbers.last else { return total }
            (total, after) = (total + numbers.count, last.id)
        }
    }
}
