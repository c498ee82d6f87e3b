import Foundation
import Logging
import Persistence
import PostgresNIO

/// The shared statements on PostgreSQL: `$n` placeholders with typed binds, rows read by column
/// name, exchanges in a transaction whose reads may lock (`FOR UPDATE`).
struct PostgresSQLRow: SQLRow {
    let row: PostgresRandomAccessRow

    func decode<T: PostgresDecodable>(_ name: String, as: T.Type) throws -> T? {
        guard row.contains(name) else { throw SQLRowError(column: name, problem: "not in the row") }
        let cell = row[name]
        return cell.bytes == nil ? nil : try cell.decode(T.self)
    }

    func text(_ column: String) throws -> String? { try decode(column, as: String.self) }
    func integer(_ column: String) throws -> Int64? { try decode(column, as: Int64.self) }
    func real(_ column: String) throws -> Double? { try decode(column, as: Double.self) }
    func date(_ column: String) throws -> Date? { try decode(column, as: Date.self) }
    func bool(_ column: String) throws -> Bool? { try decode(column, as: Bool.self) }
}

enum PostgresStatements {
    static func query(_ sql: SQL) -> PostgresQuery {
        var binds = PostgresBindings(capacity: sql.binds.count)
        for value in sql.binds {
            switch value {
            case .null: binds.appendNull()
            case .integer(let i): binds.append(i)
            case .real(let d): binds.append(d)
            case .text(let s): binds.append(s)
            case .bool(let b): binds.append(b)
            case .date(let d): binds.append(d)
            }
        }
        return PostgresQuery(unsafeSQL: sql.text(for: .postgres), binds: binds)
    }

    static func fetch(_ connection: PostgresConnection, _ sql: SQL, logger: Logger) async throws -> [any SQLRow] {
        var out: [any SQLRow] = []
        for try await row in try await connection.query(query(sql), logger: logger) { out.append(PostgresSQLRow(row: row.makeRandomAccess())) }
        return out
    }

    /// Inside a transaction the caller holds (a hop's, or the pool's).
    static func run<R>(_ flow: SQLFlow<R>, _ connection: PostgresConnection, logger: Logger) async throws -> R {
        var flow = flow
        while true {
            switch flow {
            case .done(let result): return result
            case .step(let statements, let next):
                var rows: [[any SQLRow]] = []
                for statement in statements { rows.append(try await fetch(connection, statement, logger: logger)) }
                flow = try next(rows)
            }
        }
    }

    static func run<R>(_ exchange: SQLExchange<R>, _ tx: PostgresConnection, logger: Logger) async throws -> R {
        try await run(exchange.flow, tx, logger: logger)
    }
}

/// The shared statements' database, on PostgreSQL.
struct PostgresStatementDatabase: SQLDatabase {
    let database: PostgresAppDatabase


    func read<T: Sendable>(_ sql: SQL, _ decode: @escaping @Sendable (any SQLRow) throws -> T) async throws -> [T] {
        var out: [T] = []
        for try await row in try await database.client.query(PostgresStatements.query(sql), logger: database.logger) {
            out.append(try decode(PostgresSQLRow(row: row.makeRandomAccess())))
        }
        return out
    }

    func look<R: Sendable>(_ flow: SQLFlow<R>) async throws -> R {
        try await database.client.withConnection { connection in
            try await connection.query("BEGIN READ ONLY", logger: database.logger)
            do {
                let result = try await PostgresStatements.run(flow, connection, logger: database.logger)
                try await connection.query("COMMIT", logger: database.logger)
                return result
            } catch {
                try? await connection.query("ROLLBACK", logger: database.logger)
                throw error
            }
        }
    }

    func run<R: Sendable>(_ flow: SQLFlow<R>) async throws -> R {
        try await database.client.withTransaction(logger: database.logger) { tx in
            try await PostgresStatements.run(flow, tx, logger: database.logger)
        }
    }

    /// A lone statement is a transaction of its own: sent without `BEGIN` and `COMMIT`, one round
    /// trip instead of three (a sender records each claim's outcomes so).
    func write(_ statements: [SQL]) async throws {
        guard statements.count == 1, let only = statements.first else { return try await run(SQLFlow.write(statements, ())) }
        for try await _ in try await database.client.query(PostgresStatements.query(only), logger: database.logger) {}
    }
}

extension PostgresStaffStore: SQLBacked {
    public var statements: any SQLDatabase { PostgresStatementDatabase(database: database) }
}
