import Domain
import Foundation
import Gateway
import GRDB
import Persistence

/// Ticket listings for Open311: public fields only, filtered and paged in SQL.
public struct SQLiteRequestListing: RequestListing {
    let database: AppDatabase

    public init(_ database: AppDatabase) { self.database = database }
}

extension SQLiteRequestListing: SQLBacked {
    public var statements: any SQLDatabase { SQLiteStatementDatabase(database: database) }
}
