import Foundation
import GRDB
import Persistence

/// The shared statements on SQLite: values bound as GRDB stores them, rows read by column name,
/// exchanges run on the one writer.
struct SQLiteRow: SQLRow {
    let row: Row

    func column(_ name: String) throws -> DatabaseValue {
        guard row.hasColumn(name) else { throw SQLRowError(column: name, problem: "not in the row") }
        return row[name]
    }

    func text(_ column: String) throws -> String? { try decode(column) }
    func integer(_ column: String) throws -> Int64? { try decode(column) }
    func real(_ column: String) throws -> Double? { try decode(column) }
    func date(_ column: String) throws -> Date? { try decode(column) }
    func bool(_ column: String) throws -> Bool? { try decode(column) }

    func decode<T: DatabaseValueConvertible>(_ name: String) throws -> T? {
        let value = try column(name)
        if value.isNull { return nil }
        guard let v = T.fromDatabaseValue(value) else { throw SQLRowError(column: name, problem: "not a \(T.self)") }
        return v
    }
}

enum SQLiteStatements {
    static func arguments(_ sql: Persistence.SQL) -> StatementArguments {
        StatementArguments(sql.binds.map { value -> DatabaseValue in
            switch value {
            case .null: .null
            case .integer(let i): i.databaseValue
            case .real(let d): d.databaseValue
            case .text(let s): s.databaseValue
            case .bool(let b): b.databaseValue
            case .date(let d): DatabaseDate.text(d).databaseValue
            }
        })
    }

    static func fetch(_ db: Database, _ sql: Persistence.SQL) throws -> [any SQLRow] {
        try Row.fetchAll(db.cachedStatement(sql: sql.text(for: .sqlite)), arguments: arguments(sql)).map(SQLiteRow.init)
    }

    static func execute(_ db: Database, _ sql: Persistence.SQL) throws {
        try db.cachedStatement(sql: sql.text(for: .sqlite)).execute(arguments: arguments(sql))
    }

    /// Inside a transaction the caller holds (a hop's, or the writer's).
    static func run<R>(_ flow: SQLFlow<R>, _ db: Database) throws -> R {
        var flow = flow
        while true {
            switch flow {
            case .done(let result): return result
            case .step(let statements, let next): flow = try next(statements.map { try fetch(db, $0) })
            }
        }
    }

    static func run<R>(_ exchange: SQLExchange<R>, _ db: Database) throws -> R { try run(exchange.flow, db) }
}

/// The shared statements' database, on SQLite.
struct SQLiteStatementDatabase: SQLDatabase {
    let database: AppDatabase


    func read<T: Sendable>(_ sql: Persistence.SQL, _ decode: @escaping @Sendable (any SQLRow) throws -> T) async throws -> [T] {
        try await database.writer.read { db in try SQLiteStatements.fetch(db, sql).map(decode) }
    }

    func run<R: Sendable>(_ flow: SQLFlow<R>) async throws -> R {
        try await database.writer.write { db in try SQLiteStatements.run(flow, db) }
    }

    func look<R: Sendable>(_ flow: SQLFlow<R>) async throws -> R {
        // A read transaction: SQLite refuses a write inside it.
        try await database.writer.read { db in try SQLiteStatements.run(flow, db) }
    }
}

extension SQLiteStaffStore: SQLBacked {
    public var statements: any SQLDatabase { SQLiteStatementDatabase(database: database) }
}
