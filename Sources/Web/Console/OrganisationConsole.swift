import Channels
import Domain
import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import NIOCore

/// The pages of a community organisation's members: their reports (whatever way they came),
/// uploads of a CSV file with the result page, and the downloads. Every read is within the
/// member's own organisation; every other console page is a 404 for them (`session`).
extension ConsoleRoutes {
    static let maxUploadBytes = BulkReports.maxBytes

    func registerOrganisationPages(on router: Router<WebContext>) {
        router.get("/console/reports") { request, _ in
            guard let session = try await anySession(request) else { return signInPage() }
            return try await organisationReports(request, session)
        }
        router.get("/console/reports.csv") { request, context in
            guard let (session, organisation) = try await member(request) else { return signInPage() }
            let filter = OrganisationReportFilters(parameters(request), catalogue: engine.catalogue)
            var rows: [OrganisationRequest] = []
            var query = filter.query
            query.pageSize = 5_000
            for page in 1...40 {  // at most 200,000 reports in one file
                query.page = page
                let batch = try await portal!.organisationRequests(organisation.id, query)
                rows += batch
                if batch.count < query.pageSize { break }
            }
            try await auditLog.audit(actor: session.user.username, action: .reportsExport, reference: nil, detail: "\(organisation.name): \(rows.count) reports",
                                  address: context.clientAddress, at: clock.now())
            return csv(OrganisationReportsCSV(text: pages.text).csv(rows), name: "civicgate-reports-\(engine.settings.calendar.day(clock.now())).csv")
        }
        router.get("/console/reports/:reference") { request, context in
            guard let (session, organisation) = try await member(request) else { return signInPage() }
            guard let reference = try? Reference(parsing: context.parameters.require("reference")),
                  let (report, history) = try await portal!.organisationRequest(organisation.id, reference) else { return notFound(session) }
            return html(pages.organisationReport(report, history: history, session: session, organisation: organisation))
        }
        router.get("/console/template.csv") { request, _ in
            guard try await member(request) != nil else { return signInPage() }
            return csv(UploadTemplate(catalogue: engine.catalogue, text: pages.text).template, name: "civicgate-template.csv")
        }
        router.get("/console/codes.csv") { request, _ in
            guard try await member(request) != nil else { return signInPage() }
            return csv(UploadTemplate(catalogue: engine.catalogue, text: pages.text).codes, name: "civicgate-codes.csv")
        }
        router.get("/console/uploads") { request, _ in
            guard let (session, organisation) = try await member(request) else { return signInPage() }
            return try await uploadsPage(session, organisation)
        }
        router.post("/console/uploads") { request, context in
            guard let (session, organisation) = try await member(request) else { return expired() }
            if let wait = await limiter.take(limits.bulk, "upload", address: context.clientAddress) {
                return try await uploadsPage(session, organisation, error: "Too many uploads from your network. Try again in \(wait) seconds.",
                                             status: .tooManyRequests)
            }
            return try await receiveUpload(request, session: session, organisation: organisation, address: context.clientAddress)
        }
        router.get("/console/uploads/:id") { request, context in
            guard let (session, organisation) = try await member(request) else { return signInPage() }
            guard let id = context.parameters.get("id").flatMap({ Int64($0) }),
                  let upload = try await portal!.upload(id, organisation: organisation.id) else { return notFound(session) }
            let results = upload.status == .done ? try await portal!.uploadResults(id, organisation: organisation.id) ?? [] : []
            return html(pages.upload(upload, results: results, session: session, organisation: organisation, now: clock.now()))
        }
        router.get("/console/uploads/:id/results.csv") { request, context in
            guard let (session, organisation) = try await member(request) else { return signInPage() }
            guard let id = context.parameters.get("id").flatMap({ Int64($0) }),
                  let results = try await portal!.uploadResults(id, organisation: organisation.id) else { return notFound(session) }
            return csv(UploadResultsCSV.csv(results), name: "civicgate-upload-\(id)-results.csv")
        }
    }

    /// A member of an active organisation; nil (sign in again) when signed out or the organisation
    /// was revoked; any other role gets the 404 page.
    func member(_ request: Request, signedIn known: StaffSession? = nil) async throws -> (StaffSession, Organisation)? {
        var session = known
        if session == nil { session = try await anySession(request) }
        guard let session else { return nil }
        guard session.user.role == .organisation, let id = session.user.organisation, let portal else { throw ConsoleNotFound(page: notFound(session)) }
        guard let organisation = try await portal.organisation(named: String(id)), organisation.id == id, organisation.revokedAt == nil else { return nil }
        return (session, organisation)
    }

    func organisationReports(_ request: Request, _ session: StaffSession) async throws -> Response {
        guard let (session, organisation) = try await member(request, signedIn: session) else { return signInPage() }
        let filters = OrganisationReportFilters(parameters(request), catalogue: engine.catalogue)
        var query = filters.query
        query.pageSize += 1  // one more tells whether there is a next page
        let rows = try await portal!.organisationRequests(organisation.id, query)
        let uploads = try await portal!.uploads(organisation: organisation.id, limit: 50)
        return html(pages.organisationReports(Array(rows.prefix(filters.query.pageSize)), more: rows.count > filters.query.pageSize, filters: filters,
                                              uploads: uploads, session: session, organisation: organisation))
    }

    func uploadsPage(_ session: StaffSession, _ organisation: Organisation, error: String? = nil,
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        let uploads = try await portal!.uploads(organisation: organisation.id, limit: 50)
        return html(pages.uploads(uploads, session: session, organisation: organisation, error: error), status: status)
    }

    /// Reads the file, checks what can be checked at once (CSRF, size, CSV, header, row count),
    /// then starts the rows in the background and shows the result page.
    func receiveUpload(_ request: Request, session: StaffSession, organisation: Organisation, address: String) async throws -> Response {
        guard let portal, let bulk else { return notFound(session) }
        var request = request
        guard let boundary = request.headers[.contentType].flatMap(MultipartForm.boundary(contentType:)) else {
            return try await uploadsPage(session, organisation, error: "Choose a CSV file and press Upload.", status: .badRequest)
        }
        guard let body = try? await request.collectBody(upTo: Self.maxUploadBytes) else {
            return try await uploadsPage(session, organisation, error: "The file is larger than 16 MB. Split it into smaller files.",
                                         status: .contentTooLarge)
        }
        guard let form = MultipartForm(Array(buffer: body), boundary: boundary), let token = form.value("csrf"),
              ConstantTime.equal(token, session.csrf) else { return expired() }
        guard let file = form.file("file"), !file.body.isEmpty else {
            return try await uploadsPage(session, organisation, error: "Choose a CSV file to upload.", status: .unprocessableContent)
        }
        func refuse(_ why: String) async throws -> Response { try await uploadsPage(session, organisation, error: why, status: .unprocessableContent) }
        let table: CSVTable
        do { table = try SpreadsheetCSV.table(file.body, maxRows: UploadJob.maxRows) } catch {
            if case .tooManyRows(let limit) = error {
                return try await refuse("The file has more than \(limit) rows; at most \(limit) go in one upload. Split it into smaller files.")
            }
            return try await refuse("This file cannot be read as CSV: \(error.description).")
        }
        if let problem = BulkReports.headerProblem(table.header) {
            return try await refuse("The first row must name the columns: \(problem.description). Download the template to start from.")
        }
        guard !table.records.isEmpty else { return try await refuse("The file has the header row but no reports under it.") }
        let filename = UploadTemplate.displayName(file.filename ?? "upload.csv")
        let id = try await portal.startUpload(organisation: organisation.id, by: session.user.username, filename: filename,
                                              rows: table.records.count, at: clock.now())
        try await auditLog.audit(actor: session.user.username, action: .upload, reference: nil,
                              detail: "\(organisation.name), upload \(id): \(filename), \(table.records.count) rows", address: address, at: clock.now())
        let job = UploadJob(bulk: bulk, store: portal, audit: auditLog, clock: clock, logger: logger)
        let (header, records, username) = (table.header, table.records, session.user.username)
        Task { await job.run(header: header, records: records, upload: id, for: organisation, by: username) }
        return Response(status: .seeOther, headers: [.location: "/console/uploads/\(id)"])
    }

    func csv(_ text: String, name: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"",
                                        .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
