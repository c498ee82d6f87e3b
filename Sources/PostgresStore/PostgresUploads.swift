import Domain
import Foundation
import Gateway
import PostgresNIO

/// Organisations' browser uploads and their own reports, on PostgreSQL.
extension PostgresOrganisationStore: UploadStore, OrganisationReports {
    public func startUpload(organisation: Int64, by username: String, filename: String, rows: Int, at: Date) async throws -> Int64 {
        for try await id in try await database.client.query("""
            INSERT INTO uploads (organisation_id, uploaded_by, filename, status, total_rows, created_at, updated_at)
            VALUES (\(organisation), \(username), \(filename), 'processing', \(rows), \(at), \(at)) RETURNING id
            """, logger: logger).decode(Int64.self) { return id }
        throw PostgresStoreError.noRowReturned
    }

    public func recordProgress(_ id: Int64, done: Int, at: Date) async throws {
        try await database.client.query("UPDATE uploads SET done_rows = \(done), updated_at = \(at) WHERE id = \(id)", logger: logger)
    }

    public func finishUpload(_ id: Int64, _ outcome: UploadOutcome, at: Date) async throws {
        let results = try UploadResultsCodec.encode(outcome.rows)
        try await database.client.query("""
            UPDATE uploads SET status = 'done', done_rows = total_rows, accepted = \(outcome.accepted), duplicates = \(outcome.duplicates),
                rejected = \(outcome.rejected), results = \(results), updated_at = \(at)
            WHERE id = \(id)
            """, logger: logger)
    }

    public func failUpload(_ id: Int64, problem: String, at: Date) async throws {
        try await database.client.query("UPDATE uploads SET status = 'failed', problem = \(problem), updated_at = \(at) WHERE id = \(id)", logger: logger)
    }

    public func upload(_ id: Int64, organisation: Int64) async throws -> Upload? {
        try await uploads(database.client.query("""
            SELECT \(unescaped: Self.uploadColumns) FROM uploads WHERE id = \(id) AND organisation_id = \(organisation)
            """, logger: logger)).first
    }

    public func uploadResults(_ id: Int64, organisation: Int64) async throws -> [RowResult]? {
        for try await text in try await database.client.query("""
            SELECT results FROM uploads WHERE id = \(id) AND organisation_id = \(organisation)
            """, logger: logger).decode(String?.self) {
            return try text.map(UploadResultsCodec.decode)
        }
        return nil
    }

    public func uploads(organisation: Int64, limit: Int) async throws -> [Upload] {
        try await uploads(database.client.query("""
            SELECT \(unescaped: Self.uploadColumns) FROM uploads WHERE organisation_id = \(organisation) ORDER BY id DESC LIMIT \(limit)
            """, logger: logger))
    }

    static let uploadColumns = """
        id, organisation_id, uploaded_by, filename, status, total_rows, done_rows, accepted, duplicates, rejected, problem, created_at, updated_at
        """

    func uploads(_ rows: PostgresRowSequence) async throws -> [Upload] {
        var out: [Upload] = []
        for try await row in rows {
            let (id, org, by, filename, status, total, done, accepted, duplicates, rejected, problem, created, updated) =
                try row.decode((Int64, Int64, String, String, String, Int, Int, Int, Int, Int, String?, Date, Date).self)
            guard let status = Upload.Status(rawValue: status) else { continue }
            out.append(Upload(id: id, organisation: org, uploadedBy: by, filename: filename, status: status, totalRows: total, doneRows: done,
                              accepted: accepted, duplicates: duplicates, rejected: rejected, problem: problem, createdAt: created, updatedAt: updated))
        }
        return out
    }

    // MARK: Its reports

    static let requestColumns = """
        reference, external_id, service, fault, area, address, status, channel, public_update, created_at, updated_at, source_upload, id
        """

    public func organisationRequests(_ organisation: Int64, _ filter: OrganisationRequestFilter) async throws -> [OrganisationRequest] {
        var q = SQLText("")
        var conditions = ["source_org = \(try q.bind(organisation))"]
        for (column, value) in [("status", filter.status?.rawValue), ("service", filter.service), ("area", filter.area)] {
            if let value { conditions.append("\(column) = \(try q.bind(value))") }
        }
        if let u = filter.upload { conditions.append("source_upload = \(try q.bind(u))") }
        let limit = try q.bind(filter.pageSize), offset = try q.bind(Paging.offset(page: filter.page, size: filter.pageSize))
        q.sql = "SELECT \(Self.requestColumns) FROM tickets WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT \(limit) OFFSET \(offset)"
        return try await requests(database.client.query(q.query, logger: logger)).map(\.0)
    }

    public func organisationRequest(_ organisation: Int64, _ reference: Reference) async throws -> (OrganisationRequest, [SubjectData.Update])? {
        guard let (request, id) = try await requests(database.client.query("""
            SELECT \(unescaped: Self.requestColumns) FROM tickets WHERE reference = \(reference.digits) AND source_org = \(organisation)
            """, logger: logger)).first else { return nil }
        var updates: [SubjectData.Update] = []
        for try await (at, status, note) in try await database.client.query("""
            SELECT at, to_status, note FROM ticket_events WHERE ticket_id = \(id) AND is_public ORDER BY at, id
            """, logger: logger).decode((Date, String?, String?).self) {
            updates.append(SubjectData.Update(at: at, status: status, message: note))
        }
        return (request, updates)
    }

    func requests(_ rows: PostgresRowSequence) async throws -> [(OrganisationRequest, Int64)] {
        var out: [(OrganisationRequest, Int64)] = []
        for try await row in rows {
            let (reference, external, service, fault, area, address, status, channel, update, created, updated, upload, id) =
                try row.decode((String, String?, String, String, String, String, String, String, String?, Date, Date, Int64?, Int64).self)
            out.append((OrganisationRequest(reference: reference, externalID: external, service: service, fault: fault, area: area, address: address,
                                            status: TicketStatus(rawValue: status) ?? .new, channel: channel, publicUpdate: update, createdAt: created, updatedAt: updated,
                                            upload: upload), id))
        }
        return out
    }
}
