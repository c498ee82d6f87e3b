import Foundation
import Gateway
import GRDB

/// A SQLite database as `copy-database` reads and fills it.
public struct SQLiteCopy: CopyableStore {
    let database: AppDatabase

    public init(_ database: AppDatabase) { self.database = database }

    public func count(_ table: CopiedTable) async throws -> Int {
        try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)") ?? 0 }
    }

    public func rows(_ table: CopiedTable, offset: Int, limit: Int) async throws -> [[CellValue]] {
        let columns = table.columns.map(\.name).joined(separator: ", ")
        return try await database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT \(columns) FROM \(table.name) ORDER BY \(table.order) LIMIT ? OFFSET ?", arguments: [limit, offset]).map { row in
                table.columns.enumerated().map { i, column -> CellValue in
                    if row.hasNull(atIndex: i) { return .null }
                    switch column.kind {
                    case .integer: return .integer(row[i])
                    case .real: return .real(row[i])
                    case .text: return .text(row[i])
                    case .boolean: return .boolean(row[i])
                    case .date: return .date(row[i])
                    }
                }
            }
        }
    }

    public func insert(_ table: CopiedTable, _ rows: [[CellValue]]) async throws {
        let columns = table.columns.map(\.name)
        let sql = "INSERT INTO \(table.name) (\(columns.joined(separator: ", "))) VALUES (\(databaseQuestionMarks(count: columns.count)))"
        try await database.writer.write { db in
            let statement = try db.cachedStatement(sql: sql)
            for row in rows { try statement.execute(arguments: StatementArguments(row.map(Self.value))) }
        }
    }

    public func finishCopy(_ tables: [CopiedTable], selfReferences: [(table: CopiedTable, rows: [(key: CellValue, column: String, value: CellValue)])]) async throws {
        try await database.writer.write { db in
            for (table, rows) in selfReferences {
                for row in rows {
                    try db.execute(sql: "UPDATE \(table.name) SET \(row.column) = ? WHERE \(table.order) = ?",
                                   arguments: [Self.value(row.value), Self.value(row.key)])
                }
            }
        }
    }

    static func value(_ cell: CellValue) -> (any DatabaseValueConvertible)? {
        switch cell {
        case .null: nil
        case .integer(let v): v
        case .real(let v): v
        case .text(let v): v
        case .boolean(let v): v
        case .date(let v): v
        }
    }
}
