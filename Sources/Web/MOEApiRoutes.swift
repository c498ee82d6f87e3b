import Domain
import FlowEngine
import Foundation
import Gateway
import Hummingbird
import NIOCore

/// The JSON API an MOE's own maintenance system uses (`Authorization: Bearer <MOE token>` from
/// `civicgate token add --moe <code>`): its queue, its tickets, status changes. Another MOE's
/// ticket is a 404, exactly as if it did not exist.
struct MOEApiRoutes: Sendable {
    let staff: any StaffStore
    let updates: any TicketUpdates
    let engine: FlowEngine
    let clock: any WallClock

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/v1/tickets") { request, _ in
            guard let moe = try await moe(request) else { return unauthorized() }
            var status: TicketStatus?
            if let s = request.uri.queryParameters["status"] {
                guard let parsed = TicketStatus(rawValue: String(s)) else { return problem(.badRequest, "unknown status '\(s)'") }
                status = parsed
            }
            return json(["tickets": try await staff.queue(moe: moe, status: status, limit: 500)])
        }
        router.get("/api/v1/tickets/:reference") { request, context in
            guard let moe = try await moe(request) else { return unauthorized() }
            guard let reference = try? Reference(parsing: context.parameters.require("reference")),
                  let ticket = try await staff.ticket(reference, moe: moe) else { return problem(.notFound, "no such ticket") }
            return json(ticket)
        }
        router.post("/api/v1/tickets/:reference/status") { request, context in
            guard let moe = try await moe(request) else { return unauthorized() }
            guard let reference = try? Reference(parsing: context.parameters.require("reference")),
                  try await staff.ticket(reference, moe: moe) != nil else { return problem(.notFound, "no such ticket") }
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            guard let change = try? JSONDecoder().decode(StatusChange.self, from: Data(buffer: body)) else {
                return problem(.badRequest, "send JSON: {\"status\": \"in_progress\", \"public_update\": \"...\", \"internal_note\": \"...\", \"expected_date\": \"2026-12-01\"}")
            }
            guard let status = TicketStatus(rawValue: change.status), status != .new, status != .duplicate else {
                return problem(.badRequest, "status must be one of acknowledged, assigned, in_progress, scheduled, resolved, closed, rejected")
            }
            var expected: Date?
            if let day = change.expected_date {
                guard let date = Open311Dates.parse(day) else { return problem(.badRequest, "expected_date must be a date like 2026-12-01") }
                expected = date
            }
            let publicUpdate = change.public_update.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : String($0.prefix(500)) }
            let note = change.internal_note.map { String($0.prefix(2000)) }
            let actor = "api:\(moe)"
            let now = clock.now()
            let engine = self.engine
            try await updates.changeStatus(reference, to: status, publicUpdate: publicUpdate, expectedAt: expected, actor: actor, at: now,
                                           internalNote: note) { language in
                engine.statusNotice(reference: reference, status: status, update: publicUpdate, language: language)
            }
            try await staff.audit(actor: actor, action: "status \(status.rawValue)", reference: reference,
                                  detail: publicUpdate.map { "public update: \($0)" } ?? note.map { "internal note: \($0)" }, at: now)
            return json(try await staff.ticket(reference, moe: moe))
        }
    }

    struct StatusChange: Decodable {
        var status: String
        var public_update: String?
        var internal_note: String?
        var expected_date: String?
    }

    func moe(_ request: Request) async throws -> String? {
        guard let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") else { return nil }
        return try await staff.moe(forToken: String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces))
    }

    func unauthorized() -> Response { problem(.unauthorized, "an MOE API token is needed: Authorization: Bearer <token>") }

    func problem(_ status: HTTPResponse.Status, _ message: String) -> Response { json(["error": message], status: status) }

    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(Open311Dates.format(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: (try? encoder.encode(value)) ?? Data())))
    }
}
