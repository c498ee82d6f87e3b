import Channels
import Domain
import Foundation
import Gateway
import Hummingbird
import Logging
import NIOCore

/// `POST /api/v1/bulk-reports`: an organisation's CSV (`Authorization: Bearer <key>`). Good rows
/// are stored even when others are bad; each row's result names its reference or its problems.
struct BulkRoutes: Sendable {
    let bulk: BulkReports
    let organisations: any OrganisationStore
    /// Where uploads are audited with the client address.
    let audit: (any AuditLog)?
    let maxBytes: Int
    let logger: Logger
    let limiter: RateLimiter
    let limits: RateLimits
    let clock: any WallClock

    struct Summary: Encodable {
        var accepted: Int
        var rejected: Int
        var rows: [RowResult]
    }

    struct Failure: Encodable {
        var error: String
    }

    func register(on router: Router<WebContext>) {
        router.post("/api/v1/bulk-reports") { request, context in
            if let wait = await limiter.take(limits.bulk, "bulk", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            return try await upload(request, address: context.clientAddress)
        }
    }

    func upload(_ request: Request, address: String) async throws -> Response {
        guard let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer "),
              let organisation = try await organisations.authenticate(key: String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)) else {
            return json(Failure(error: "a valid organisation API key is needed: Authorization: Bearer <key>"), status: .unauthorized,
                        extra: [.wwwAuthenticate: "Bearer"])
        }
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("text/csv") || type.hasPrefix("application/csv") || type.hasPrefix("text/plain") else {
            return json(Failure(error: "send the reports as text/csv"), status: .unsupportedMediaType)
        }
        let tooLarge = "the body is larger than \(maxBytes) bytes (\(maxBytes / 1024 / 1024) MB): split the file"
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBytes {
            return json(Failure(error: tooLarge), status: .contentTooLarge)
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: maxBytes) } catch is NIOTooManyBytesError {
            return json(Failure(error: tooLarge), status: .contentTooLarge)
        }
        let table: CSVTable
        do { table = try CSVTable(parsing: Array(body.readableBytesView), maxRows: BulkReports.maxRows) } catch {
            if case .tooManyRows = error { return json(Failure(error: error.description), status: .contentTooLarge) }
            return json(Failure(error: "not CSV: \(error.description)"), status: .badRequest)
        }
        let prepared: (good: [BulkReports.Prepared], bad: [RowResult])
        do { prepared = try bulk.prepare(header: table.header, records: table.records) } catch {
            return json(Failure(error: error.description), status: .badRequest)
        }
        let rows = try await bulk.store(prepared.good, bad: prepared.bad, for: organisation, in: organisations)
        let accepted = rows.filter { $0.reference != nil }.count
        logger.info("bulk reports", metadata: ["organisation": "\(organisation.id)", "accepted": "\(accepted)", "rejected": "\(rows.count - accepted)"])
        try await audit?.audit(actor: "org:\(organisation.id)", action: .bulkUpload, reference: nil,
                               detail: "\(organisation.name): \(accepted) accepted, \(rows.count - accepted) rejected", address: address, at: clock.now())
        return json(Summary(accepted: accepted, rejected: rows.count - accepted, rows: rows), status: .ok)
    }

    func json(_ value: some Encodable, status: HTTPResponse.Status, extra: HTTPFields = [:]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: (try? encoder.encode(value)) ?? Data())))
    }
}
