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
                clauses.append("reference IN (\(databaseQuestionMarks(count: f.references.count)))")
                arguments += StatementArguments(f.references.map(\.digits))
            }
            if !f.services.isEmpty {
                let pairs = f.services.map { _ in "(service = ? AND (? IS NULL OR fault = ?))" }.joined(separator: " OR ")
                clauses.append("(\(pairs))")
                for s in f.services { arguments += [s.service, s.fault, s.fault] }
            }
            if let start = f.start { clauses.append("created_at >= ?"); arguments += [start] }
            if let end = f.end { clauses.append("created_at <= ?"); arguments += [end] }
            if let open = f.open {
                let closed = TicketStatus.allCases.filter { !$0.isOpen }.map { "'\($0.rawValue)'" }.joined(separator: ", ")
                clauses.append(open ? "status NOT IN (\(closed))" : "status IN (\(closed))")
            }
            let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            let sql = """
                SELECT reference, service, fault, area, moe, status, public_update, expected_at, created_at, updated_at, address, description
                FROM tickets \(whereSQL) ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?
                """
            arguments += [f.pageSize, Paging.offset(page: f.page, size: f.pageSize)]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
                TicketRows.decode(row).map { PublicRequest(ticket: $0, address: row[10], description: row[11]) }
            }
        }
    }
}
