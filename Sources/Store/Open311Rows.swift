import Domain
import Foundation
import Gateway
import GRDB

/// Ticket listings for Open311: public fields only, filtered and paged in SQL.
public struct SQLiteRequestListing: RequestListing {
    let database: AppDatabase

    public init(_ database: AppDatabase) { self.database = database }

    public func requests(_ f: RequestFilter) async throws -> [PublicRequest] {
        try await database.writer.read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if !f.references.isEmpty {
                clauses.append("t.reference IN (\(databaseQuestionMarks(count: f.references.count)))")
                arguments += StatementArguments(f.references.map(\.digits))
            }
            if !f.services.isEmpty {
                let pairs = f.services.map { _ in "(t.service = ? AND (? IS NULL OR t.fault = ?))" }.joined(separator: " OR ")
                clauses.append("(\(pairs))")
                for s in f.services { arguments += [s.service, s.fault, s.fault] }
            }
            if let start = f.start { clauses.append("t.created_at >= ?"); arguments += [start] }
            if let end = f.end { clauses.append("t.created_at <= ?"); arguments += [end] }
            if let open = f.open {
                let closed = TicketStatus.allCases.filter { !$0.isOpen }.map { "'\($0.rawValue)'" }.joined(separator: ", ")
                clauses.append(open ? "t.status NOT IN (\(closed))" : "t.status IN (\(closed))")
            }
            let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            let sql = """
                SELECT \(TicketRows.publicColumns), t.address, t.description
                FROM \(TicketRows.publicFrom) \(whereSQL) ORDER BY t.created_at DESC, t.id DESC LIMIT ? OFFSET ?
                """
            arguments += [f.pageSize, Paging.offset(page: f.page, size: f.pageSize)]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
                TicketRows.decode(row).map { PublicRequest(ticket: $0, address: row[14], description: row[15]) }
            }
        }
    }
}
