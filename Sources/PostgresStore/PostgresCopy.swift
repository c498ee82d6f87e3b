import Foundation
import Gateway
import PostgresNIO

/// A PostgreSQL database as `copy-database` reads and fills it.
public struct PostgresCopy: CopyableStore {
    let database: PostgresAppDatabase

    public init(_ database: PostgresAppDatabase) { self.database = database }

    public func count(_ table: CopiedTable) async throws -> Int {
        var n: Int64 = 0
        for try await c in try await database.client.query(PostgresQuery(unsafeSQL: "SELECT COUNT(*)::BIGINT FROM \(table.name)")).decode(Int64.self) { n = c }
        return Int(n)
    }

    public func rows(_ table: CopiedTable, offset: Int, limit: Int) async throws -> [[CellValue]] {
        // Integers of every width come back as BIGINT.
        let columns = table.columns.map { $0.kind == .integer ? "\($0.name)::BIGINT" : $0.name }.joined(separator: ", ")
        var out: [[CellValue]] = []
        for try await row in try await database.client.query(PostgresQuery(unsafeSQL: """
            SELECT \(columns) FROM \(table.name) ORDER BY \(table.order) LIMIT \(limit) OFFSET \(offset)
            """)) {
            let cells = row.makeRandomAccess()
            out.append(try table.columns.enumerated().map { i, column -> CellValue in
                switch column.kind {
                case .integer: return try cells[i].decode(Int64?.self).map(CellValue.integer) ?? .null
                case .real: return try cells[i].decode(Double?.self).map(CellValue.real) ?? .null
                case .text: return try cells[i].decode(String?.self).map(CellValue.text) ?? .null
                case .boolean: return try cells[i].decode(Bool?.self).map(CellValue.boolean) ?? .null
                case .date: return try cells[i].decode(Date?.self).map(CellValue.date) ?? .null
                }
            })
        }
        return out
    }

    public func insert(_ table: CopiedTable, _ rows: [[CellValue]]) async throws {
        guard !rows.isEmpty else { return }
        // Several rows a statement, within PostgreSQL's 65,535 parameters.
        let perStatement = max(1, 60_000 / table.columns.count)
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(start + perStatement, rows.count)]
            var sql = SQLText("INSERT INTO \(table.name) (\(table.columns.map(\.name).joined(separator: ", "))) VALUES ")
            var tuples: [String] = []
            for row in chunk {
                var places: [String] = []
                for cell in row {
                    switch cell {
                    case .null:
                        sql.binds.appendNull()
                        places.append("$\(sql.binds.count)")
                    case .integer(let v): places.append(try sql.bind(v))
                    case .real(let v): places.append(try sql.bind(v))
                    case .text(let v): places.append(try sql.bind(v))
                    case .boolean(let v): places.append(try sql.bind(v))
                    case .date(let v): places.append(try sql.bind(v))
                    }
                }
                tuples.append("(" + places.joined(separator: ", ") + ")")
            }
            sql.sql += tuples.joined(separator: ", ")
            try await database.client.query(sql.query)
            start += chunk.count
        }
    }

    public func finishCopy(_ tables: [CopiedTable], selfReferences: [(table: CopiedTable, rows: [(key: CellValue, column: String, value: CellValue)])]) async throws {
        for (table, rows) in selfReferences {
            for row in rows {
                guard case .integer(let value) = row.value, case .integer(let key) = row.key else { continue }
                try await database.client.query(PostgresQuery(unsafeSQL: "UPDATE \(table.name) SET \(row.column) = $1 WHERE \(table.order) = $2",
                                                              binds: try Self.binds(value, key)))
            }
        }
        // A message a stopped SQLite gateway was handing over when it stopped has no lease here (SQLite
        // keeps none): an expired one, so that a sender claims it again (sent at least once, as after a crash).
        try await database.client.query("UPDATE outbox SET lease_until = now() WHERE status = 'sending' AND lease_until IS NULL")
        // New rows continue after the copied ids.
        for table in tables where table.columns.first?.name == "id" {
            try await database.client.query(PostgresQuery(unsafeSQL: """
                SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM \(table.name)
                """))
        }
    }

    static func binds(_ values: Int64...) throws -> PostgresBindings {
        var b = PostgresBindings()
        for v in values { try b.append(v) }
        return b
    }
}
