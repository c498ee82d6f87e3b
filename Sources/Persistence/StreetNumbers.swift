import Domain

/// `tickets.street_number` for the tickets filed before it was kept (v24): each address read once
/// by `ReportedPlace.storedNumber`, as every new ticket's is when it is filed. Run at start, before
/// the first report is compared; the same on both stores.
public enum StreetNumbers {
    /// Addresses without a digit (most landmarks, and every address a purge emptied) have no
    /// number: one statement, without reading them.
    static let withoutDigits: SQL = """
        UPDATE tickets SET street_number = '' WHERE street_number IS NULL AND \(sqlite: "address NOT GLOB '*[0-9]*'", postgres: "address !~ '[0-9]'")
        """

    /// The next addresses not yet read; on PostgreSQL those another instance is reading are skipped.
    static func unread(limit: Int) -> SQL {
        "SELECT id, address FROM tickets WHERE street_number IS NULL ORDER BY id LIMIT \(limit)\(sqlite: "", postgres: " FOR UPDATE SKIP LOCKED")"
    }

    /// Each row's number, in one statement.
    static func keep(_ numbers: [(id: Int64, number: String)]) -> SQL {
        numbers.reduce("UPDATE tickets SET street_number = CASE id" as SQL) { sql, row in sql + " WHEN \(row.id) THEN \(row.number)" }
            + " END WHERE id IN \(list: numbers.map(\.id))"
    }

    /// Reads every address not yet read, `batch` rows per transaction; returns how many tickets it set.
    @discardableResult
    public static func fill(_ db: any SQLDatabase, batch: Int = 500) async throws -> Int {
        var total = 0
        try await db.write([withoutDigits])
        while true {
            let done = try await db.run(SQLFlow<Int>.run(unread(limit: max(1, batch))) { rows in
                let numbers = try rows.map { (id: try $0.integer(required: "id"), number: ReportedPlace.storedNumber(of: try $0.text("address") ?? "")) }
                return .write(numbers.isEmpty ? [] : [keep(numbers)], numbers.count)
            })
            total += done
            if done == 0 { return total }
        }
    }
}
