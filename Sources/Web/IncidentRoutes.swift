import Domain
import Foundation
import Gateway
import Hummingbird
import NIOCore

/// Incidents in the MOE API: declare one for a service of the token's MOE in some areas, update
/// it (a public update; areas only grow), close it, list the open ones. Another MOE's incident is
/// a 404. Every change is in the incident's history and the audit log.
extension MOEApiRoutes {
    func registerIncidents(on router: Router<WebContext>) {
        router.get("/api/v1/incidents") { request, context in
            if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            guard let moe = try await moe(request) else { return unauthorized() }
            return json(["incidents": try await staff.openIncidents(moe: moe).map(APIIncident.init)])
        }
        router.post("/api/v1/incidents") { request, context in
            if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            guard let moe = try await moe(request) else { return unauthorized() }
            let draft: IncidentDraft
            switch try await incidentDraft(request) {
            case .draft(let d): draft = d
            case .refused(let response): return response
            }
            switch IncidentRules.declaration(draft, moe: moe, catalogue: engine.catalogue) {
            case .failure(let problem): return self.problem(.badRequest, problem.description)
            case .success(let checked):
                let incident = try await staff.declare(checked, moe: moe, actor: "api:\(moe)", address: context.clientAddress, at: clock.now())
                return json(APIIncident(incident), status: .created)
            }
        }
        router.get("/api/v1/incidents/:id") { request, context in
            if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            guard let moe = try await moe(request) else { return unauthorized() }
            guard let id = Self.incidentID(context), let incident = try await staff.incident(id, moe: moe) else { return problem(.notFound, "no such incident") }
            var out = APIIncident(incident)
            out.history = try await staff.incidentHistory(id).map(APIIncident.Entry.init)
            return json(out)
        }
        router.post("/api/v1/incidents/:id") { request, context in
            try await changeIncident(request, context, closing: false)
        }
        router.post("/api/v1/incidents/:id/close") { request, context in
            try await changeIncident(request, context, closing: true)
        }
    }

    func changeIncident(_ request: Request, _ context: WebContext, closing: Bool) async throws -> Response {
        if let wait = await limiter.take(limits.moeAPI, "moe-api", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
        guard let moe = try await moe(request) else { return unauthorized() }
        guard let id = Self.incidentID(context), let incident = try await staff.incident(id, moe: moe) else { return problem(.notFound, "no such incident") }
        var draft: IncidentDraft
        switch try await incidentDraft(request) {
        case .draft(let d): draft = d
        case .refused(let response): return response
        }
        if !closing, draft == IncidentDraft() {
            return problem(.badRequest, "nothing to change: send any of faults, areas, description, expected_at")
        }
        if closing {
            // Closing says how it ended; nothing else changes.
            draft = IncidentDraft(description: draft.description)
            guard draft.description?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == false else {
                return problem(.badRequest, "send JSON: {\"description\": \"Power is back in Soweto.\"}")
            }
        }
        switch IncidentRules.update(draft, of: incident, catalogue: engine.catalogue) {
        case .failure(.closed): return problem(.conflict, IncidentProblem.closed.description)
        case .failure(let problem): return self.problem(.badRequest, problem.description)
        case .success(let checked):
            guard let changed = try await staff.changeIncident(id, moe: moe, checked, closing: closing, actor: "api:\(moe)",
                                                               address: context.clientAddress, at: clock.now()) else {
                return problem(.notFound, "no such incident")
            }
            guard changed.isOpen || closing else { return problem(.conflict, IncidentProblem.closed.description) }
            return json(APIIncident(changed))
        }
    }

    static func incidentID(_ context: WebContext) -> Int64? {
        context.parameters.get("id").flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    /// The request's JSON as a draft, or the 400 that explains the shape.
    func incidentDraft(_ request: Request) async throws -> Parsed {
        let shape = "send JSON: {\"service\": \"electricity\", \"faults\": [\"outage\"], \"areas\": [\"soweto\"], \"description\": \"...\", "
            + "\"expected_at\": \"2026-12-01T18:00:00+02:00\"} (faults and expected_at optional)"
        var request = request
        guard let body = try? await request.collectBody(upTo: 16 * 1024),
              let input = try? JSONDecoder().decode(IncidentInput.self, from: Data(buffer: body)) else {
            return .refused(problem(.badRequest, shape))
        }
        var expected: Date?
        if let text = input.expected_at {
            guard let date = Open311Dates.parse(text) else { return .refused(problem(.badRequest, "expected_at must be a time like 2026-12-01T18:00:00+02:00")) }
            expected = date
        }
        return .draft(IncidentDraft(service: input.service, faults: input.faults, areas: input.areas, description: input.description,
                                      expectedAt: expected))
    }

    enum Parsed {
        case draft(IncidentDraft)
        case refused(Response)
    }

    struct IncidentInput: Decodable {
        var service: String?
        var faults: [String]?
        var areas: [String]?
        var description: String?
        var expected_at: String?
    }
}

/// An incident as the MOE API shows it.
struct APIIncident: Encodable {
    var id: Int64
    var service: String
    var faults: [String]
    var areas: [String]
    var description: String
    var expected_at: Date?
    var status: String
    var created_at: Date
    var updated_at: Date
    var history: [Entry]?

    struct Entry: Encodable {
        var at: Date
        var kind: String
        var description: String?
        var expected_at: Date?
        var areas: [String]
        var actor: String

        init(_ e: IncidentEvent) {
            (at, kind, description, expected_at, areas, actor) = (e.at, e.kind, e.description, e.expectedAt, e.areas, e.actor)
        }
    }

    init(_ i: Incident) {
        (id, service, faults, areas, description, expected_at) = (i.id, i.service, i.faults, i.areas, i.description, i.expectedAt)
        (status, created_at, updated_at) = (i.isOpen ? "open" : "closed", i.createdAt, i.updatedAt)
    }
}
