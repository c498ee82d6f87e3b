import Domain
import Foundation
import Gateway
import GRDB

/// Organisations' browser uploads and their own reports, on SQLite.
extension SQLiteOrganisationStore: UploadStore, OrganisationReports {
    public func startUpload(organisation: Int64, by username: String, filename: String, rows: Int, at: Date) async throws -> Int64 {
        try await database.writer.write { db in
            try db.execute(sql: """
                INSERT INTO uploads (organisation_id, uploaded_by, filename, status, total_rows, created_at, updated_at)
                VALUES (?, ?, ?, 'processing', ?, ?, ?)
                """, arguments: [organisation, username, filename, rows, at, at])
            return db.lastInsertedRowID
        }
    }

    public func recordProgress(_ id: Int64, done: Int, at: Date) async throws {
        try await database.writer.write { db in
            try db.execute(sql: "UPDATE uploads SET done_rows = ?, updated_at = ? WHERE id = ?", arguments: [done, at, id])
        }
    }

    public func finishUpload(_ id: Int64, _ outcome: UploadOutcome, at: Date) async throws {
        let results = try UploadResultsCodec.encode(outcome.rows)
        try await database.writer.write { db in
            try db.execute(sql: """
                UPDATE uploads SET status = 'done', done_rows = total_rows, accepted = ?, duplicates = ?, rejected = ?, results = ?, updated_at = ?
                WHERE id = ?
                """, arguments: [outcome.accepted, outcome.duplicates, outcome.rejected, results, at, id])
        }
    }

    public func failUpload(_ id: Int64, problem: String, at: Date) async throws {
        try await database.writer.write { db in
            try db.execute(sql: "UPDATE uploads SET status = 'failed', problem = ?, updated_at = ? WHERE id = ?", arguments: [problem, at, id])
        }
    }

    public func upload(_ id: Int64, organisation: Int64) async throws -> Upload? {
        try await database.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.uploadColumns) FROM uploads WHERE id = ? AND organisation_id = ?", arguments: [id, organisation])
                .flatMap(Self.decodeUpload)
        }
    }

    public func uploadResults(_ id: Int64, organisation: Int64) async throws -> [RowResult]? {
        let text = try await database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT results FROM uploads WHERE id = ? AND organisation_id = ?", arguments: [id, organisation])
        }
        return try text.map(UploadResultsCodec.decode)
    }

    public func uploads(organisation: Int64, limit: Int) async throws -> [Upload] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.uploadColumns) FROM uploads WHERE organisation_id = ? ORDER BY id DESC LIMIT ?",
                             arguments: [organisation, limit]).compactMap(Self.decodeUpload)
        }
    }

    static let uploadColumns = """
        id, organisation_id, uploaded_by, filename, status, total_rows, done_rows, accepted, duplicates, rejected, problem, created_at, updated_at
        """

    static func decodeUpload(_ row: Row) -> Upload? {
        Upload.Status(rawValue: row[4]).map {
            Upload(id: row[0], organisation: row[1], uploadedBy: row[2], filename: row[3], status: $0, totalRows: row[5], doneRows: row[6],
                   accepted: row[7], duplicates: row[8], rejected: row[9], problem: row[10], createdAt: row[11], updatedAt: row[12])
        }
    }

    // MARK: Its reports

    static let requestColumns = """
        reference, external_id, service, fault, area, address, status, channel, public_update, created_at, updated_at, source_upload
        """

    public func organisationRequests(_ organisation: Int64, _ filter: OrganisationRequestFilter) async throws -> [OrganisationRequest] {
        var conditions = ["source_org = ?"]
        var values: [any DatabaseValueConvertible] = [organisation]
        for (column, value) in [("status", filter.status?.rawValue), ("service", filter.service), ("area", filter.area)] {
            if let value { conditions.append("\(column) = ?"); values.append(value) }
        }
        if let u = filter.upload { conditions.append("source_upload = ?"); values.append(u) }
        values += [filter.pageSize, Paging.offset(page: filter.page, size: filter.pageSize)]
        let sql = "SELECT \(Self.requestColumns) FROM tickets WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT ? OFFSET ?"
        let arguments = StatementArguments(values.map { $0.databaseValue })
        return try await database.writer.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.decodeRequest)
        }
    }

    public func organisationRequest(_ organisation: Int64, _ reference: Reference) async throws -> (OrganisationRequest, [SubjectData.Update])? {
        try await database.writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.requestColumns), id FROM tickets WHERE reference = ? AND source_org = ?",
                                             arguments: [reference.digits, organisation]) else { return nil }
            let id: Int64 = row[12]
            let updates = try Row.fetchAll(db, sql: "SELECT at, to_status, note FROM ticket_events WHERE ticket_id = ? AND is_public ORDER BY at, id",
                                           arguments: [id]).map { SubjectData.Update(at: $0[0], status: $0[1], message: $0[2]) }
            return (Self.decodeRequest(row), updates)
        }
    }

    static func decodeRequest(_ row: Row) -> OrganisationRequest {
        OrganisationRequest(reference: row[0], externalID: row[1], service: row[2], fault: row[3], area: row[4], address: row[5], status: TicketStatus(rawValue: row[6] as String) ?? .new,
                            channel: row[7], publicUpdate: row[8], createdAt: row[9], updatedAt: row[10], upload: row[11])
    }
}
