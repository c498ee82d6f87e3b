import Domain
import Foundation
import Gateway

extension Upload.Status: SQLBindable {}

/// Organisations' browser uploads (progress, outcome, per-row results) and the reports an
/// organisation filed, for both stores.
enum UploadStatements {
    static let uploadColumns = """
        id, organisation_id, uploaded_by, filename, status, total_rows, done_rows, accepted, duplicates, rejected, problem, created_at, updated_at
        """

    static func upload(_ row: any SQLRow) throws -> Upload {
        Upload(id: try row.integer(required: "id"), organisation: try row.integer(required: "organisation_id"), uploadedBy: try row.text(required: "uploaded_by"),
               filename: try row.text(required: "filename"), status: try row.value("status", as: Upload.Status.self), totalRows: try row.int("total_rows"),
               doneRows: try row.int("done_rows"), accepted: try row.int("accepted"), duplicates: try row.int("duplicates"), rejected: try row.int("rejected"),
               problem: try row.text("problem"), createdAt: try row.date(required: "created_at"), updatedAt: try row.date(required: "updated_at"))
    }

    static let requestColumns = """
        id, reference, external_id, service, fault, area, address, status, channel, public_update, created_at, updated_at, source_upload
        """

    static func request(_ row: any SQLRow) throws -> OrganisationRequest {
        OrganisationRequest(reference: try row.text(required: "reference"), externalID: try row.text("external_id"), service: try row.text(required: "service"),
                            fault: try row.text(required: "fault"), area: try row.text(required: "area"), address: try row.text(required: "address"),
                            status: try row.value("status", as: TicketStatus.self), channel: try row.text(required: "channel"),
                            publicUpdate: try row.text("public_update"), createdAt: try row.date(required: "created_at"),
                            updatedAt: try row.date(required: "updated_at"), upload: try row.integer("source_upload"))
    }
}

extension UploadStore where Self: SQLBacked {
    public func startUpload(organisation: Int64, by username: String, filename: String, rows: Int, at: Date) async throws -> Int64 {
        let id = try await statements.run(.run("""
            INSERT INTO uploads (organisation_id, uploaded_by, filename, status, total_rows, created_at, updated_at)
            VALUES (\(organisation), \(username), \(filename), \(Upload.Status.processing), \(rows), \(at), \(at)) RETURNING id
            """) { .done(try $0.first?.integer(required: "id")) })
        guard let id else { throw SQLRowError(column: "id", problem: "no row returned") }
        return id
    }

    public func recordProgress(_ id: Int64, done: Int, at: Date) async throws {
        try await statements.write(["UPDATE uploads SET done_rows = \(done), updated_at = \(at) WHERE id = \(id)"])
    }

    public func finishUpload(_ id: Int64, _ outcome: UploadOutcome, at: Date) async throws {
        let results = try UploadResultsCodec.encode(outcome.rows)
        try await statements.write(["""
            UPDATE uploads SET status = \(Upload.Status.done), done_rows = total_rows, accepted = \(outcome.accepted), duplicates = \(outcome.duplicates),
                   rejected = \(outcome.rejected), results = \(results), updated_at = \(at)
            WHERE id = \(id)
            """])
    }

    public func failUpload(_ id: Int64, problem: String, at: Date) async throws {
        try await statements.write(["UPDATE uploads SET status = \(Upload.Status.failed), problem = \(problem), updated_at = \(at) WHERE id = \(id)"])
    }

    public func upload(_ id: Int64, organisation: Int64) async throws -> Upload? {
        try await statements.read("SELECT \(raw: UploadStatements.uploadColumns) FROM uploads WHERE id = \(id) AND organisation_id = \(organisation)",
                                  UploadStatements.upload).first
    }

    public func uploadResults(_ id: Int64, organisation: Int64) async throws -> [RowResult]? {
        guard let found = try await statements.read("SELECT results FROM uploads WHERE id = \(id) AND organisation_id = \(organisation)", {
            try $0.text("results")
        }).first else { return nil }
        return try found.map(UploadResultsCodec.decode)
    }

    public func uploads(organisation: Int64, limit: Int) async throws -> [Upload] {
        try await statements.read("""
            SELECT \(raw: UploadStatements.uploadColumns) FROM uploads WHERE organisation_id = \(organisation) ORDER BY id DESC LIMIT \(max(1, limit))
            """, UploadStatements.upload)
    }
}

extension OrganisationReports where Self: SQLBacked {
    public func organisationRequests(_ organisation: Int64, _ filter: OrganisationRequestFilter) async throws -> [OrganisationRequest] {
        var q: SQL = "SELECT \(raw: UploadStatements.requestColumns) FROM tickets WHERE source_org = \(organisation)"
        if let status = filter.status { q = q + " AND status = \(status)" }
        if let service = filter.service { q = q + " AND service = \(service)" }
        if let area = filter.area { q = q + " AND area = \(area)" }
        if let upload = filter.upload { q = q + " AND source_upload = \(upload)" }
        let size = max(1, filter.pageSize)
        return try await statements.read(q + " ORDER BY id DESC LIMIT \(size) OFFSET \(Paging.offset(page: filter.page, size: size))", UploadStatements.request)
    }

    public func organisationRequest(_ organisation: Int64, _ reference: Reference) async throws -> (OrganisationRequest, [SubjectData.Update])? {
        let id: SQL = "SELECT id FROM tickets WHERE reference = \(reference.digits) AND source_org = \(organisation)"
        return try await statements.look(.run([
            "SELECT \(raw: UploadStatements.requestColumns) FROM tickets WHERE reference = \(reference.digits) AND source_org = \(organisation)",
            "SELECT at, to_status, note FROM ticket_events WHERE ticket_id = (\(id)) AND is_public ORDER BY at, id",
        ]) { rows in
            guard let found = rows[0].first else { return .done(nil) }
            let updates = try rows[1].map { SubjectData.Update(at: try $0.date(required: "at"), status: try $0.text("to_status"), message: try $0.text("note")) }
            return .done((try UploadStatements.request(found), updates))
        })
    }
}
