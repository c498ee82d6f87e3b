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
                SELECT \(TicketRows.publicColumns), t.address, t.description, t.lat, t.long
                FROM \(TicketRows.publicFrom) \(whereSQL) ORDER BY t.created_at DESC, t.id DESC LIMIT ? OFFSET ?
                """
            arguments += [f.pageSize, Paging.offset(page: f.page, size: f.pageSize)]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
                TicketRows.decode(row).map { ticket in
                    let (lat, long): (Double?, Double?) = (row[16], row[17])
                    return PublicRequest(ticket: ticket, address: row[14], description: row[15],
                                         location: lat.flatMap { lat in long.flatMap { GeoPoint(lat: lat, long: $0) } })
                }
            }
        }
    }

    public func publicUpdates(from: Date, to: Date, limit: Int) async throws -> [PublicUpdate] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.id, t.reference, e.to_status, e.note, e.at FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
                WHERE (e.is_public OR e.kind = 'duplicate') AND e.at >= ? AND e.at < ? ORDER BY e.at, e.id LIMIT ?
                """, arguments: [from, to, limit]).compactMap { row in
                (try? Reference(parsing: row[1] as String)).map {
                    PublicUpdate(id: row[0], reference: $0, status: (row[2] as String?).flatMap(TicketStatus.init), note: row[3], at: row[4])
                }
            }
        }
    }
}
