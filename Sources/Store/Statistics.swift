import Foundation
import Gateway
import GRDB
import Persistence

/// Gauges read from the database when /metrics is scraped (`Persistence/SubjectStatements.swift`),
/// after the sessions in progress are saved.
public struct SQLiteStatistics: OperationalStatistics, Settling {
    let database: AppDatabase

    public init(_ database: AppDatabase) { self.database = database }

    public var statements: any SQLDatabase { SQLiteStatementDatabase(database: database) }
    public func settle() async throws { try await database.live.saveNow() }
}
