import Domain
import Foundation
import Gateway
import Logging
import Persistence
import PostgresNIO

/// Ticket listings for Open311 on PostgreSQL: public fields only, filtered and paged in SQL.
public struct PostgresRequestListing: RequestListing {
    let database: PostgresAppDatabase

    public init(_ database: PostgresAppDatabase) { self.database = database }
}

extension PostgresRequestListing: SQLBacked {
    public var statements: any SQLDatabase { PostgresStatementDatabase(database: database) }
}

/// Gauges read from PostgreSQL when /metrics is scraped (`Persistence/SubjectStatements.swift`).
public struct PostgresStatistics: OperationalStatistics, Settling {
    let database: PostgresAppDatabase

    public init(_ database: PostgresAppDatabase) { self.database = database }

    public var statements: any SQLDatabase { PostgresStatementDatabase(database: database) }
}
