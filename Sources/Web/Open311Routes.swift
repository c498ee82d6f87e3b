import Channels
import Domain
import FlowEngine
import Foundation
import Gateway
import Hummingbird
import NIOCore

/// Open311 GeoReport v2 under /open311/v2/, in XML (the specification's required format, and
/// the only one FixMyStreet speaks) and JSON: the services catalogue, public tickets, reports from
/// organisations' apps, and FixMyStreet's `servicerequestupdates`. Each fault type is an Open311
/// service (`water.burst_pipe`); a bare service code (`water`) matches all its fault types when
/// listing. Public output never carries a phone number, a name or an e-mail address.
struct Open311Routes: Sendable {
    let catalogue: ServiceCatalogue
    let locale: LocaleStrings
    let listing: any RequestListing
    let organisations: (any OrganisationPortal)?
    let bulk: BulkReports?
    let timeZone: TimeZone
    let limiter: RateLimiter
    let limits: RateLimits
    /// Areas' boundaries: a report with only `lat`/`long` finds its area.
    var boundaries = AreaBoundaries()
    /// When set, a `jurisdiction_id` other than this one is refused (404); without it any is accepted.
    var jurisdiction: String? = nil
    /// Where residents' updates from a front end go (FixMyStreet's POST servicerequestupdates).
    /// Updates from a front end are ticket actions.
    var staff: (any DispatchStore)? = nil
    var engine: FlowEngine? = nil
    var clock: (any WallClock)? = nil

    /// Pages past this are refused: page × page_size stays far from any overflow.
    static let maxPage = 100_000

    func register(on router: Router<WebContext>) {
        for format in Open311Format.allCases {
            let ext = format.rawValue
            router.get("/open311/v2/discovery.\(ext)") { request, _ in
                if let refused = jurisdictionRefused(request.uri.queryParameters["jurisdiction_id"].map(String.init), format) { return refused }
                return reply(discovery(request), root: "discovery", format)
            }
            router.get("/open311/v2/services.\(ext)") { request, _ in
                if let refused = jurisdictionRefused(request.uri.queryParameters["jurisdiction_id"].map(String.init), format) { return refused }
                return reply(services(), root: "services", format)
            }
            router.get("/open311/v2/requests.\(ext)") { request, _ in try await list(request, format) }
            router.post("/open311/v2/requests.\(ext)") { request, context in
                if let slow = await tooMany(context, format) { return slow }
                return try await create(request, format)
            }
            router.get("/open311/v2/servicerequestupdates.\(ext)") { request, _ in try await updates(request, format) }
            router.post("/open311/v2/servicerequestupdates.\(ext)") { request, context in
                if let slow = await tooMany(context, format) { return slow }
                return try await postUpdate(request, format, address: context.clientAddress)
            }
        }
        router.get("/open311/v2/services/:code") { request, context in
            guard let (code, format) = Open311Format.split(try context.parameters.require("code")) else {
                return failure(400, "the format is .xml or .json, e.g. services/water.burst_pipe.xml", .json)
            }
            if let refused = jurisdictionRefused(request.uri.queryParameters["jurisdiction_id"].map(String.init), format) { return refused }
            guard let definition = serviceDefinition(code) else { return failure(404, "unknown service_code", format) }
            return reply(definition, root: "service_definition", format)
        }
        router.get("/open311/v2/requests/:id") { request, context in
            guard let (id, format) = Open311Format.split(try context.parameters.require("id")) else {
                return failure(400, "the format is .xml or .json, e.g. requests/482109375.xml", .json)
            }
            if let refused = jurisdictionRefused(request.uri.queryParameters["jurisdiction_id"].map(String.init), format) { return refused }
            guard let reference = try? Reference(parsing: id) else { return failure(404, "no such service_request_id", format) }
            var filter = RequestFilter()
            filter.references = [reference]
            let found = try await listing.requests(filter)
            guard !found.isEmpty else { return failure(404, "no such service_request_id", format) }
            return reply(found.map(requestObject), root: "service_requests", format)
        }
    }

    /// POSTs from one address past their allowance: 429 in the spec's error shape, with `Retry-After`.
    func tooMany(_ context: WebContext, _ format: Open311Format) async -> Response? {
        guard let wait = await limiter.take(limits.open311Post, "open311", address: context.clientAddress) else { return nil }
        var response = failure(429, "too many requests: try again in \(wait) s", format)
        response.headers[.retryAfter] = "\(wait)"
        return response
    }

    /// A `jurisdiction_id` this endpoint does not serve: 404 in the spec's error shape.
    func jurisdictionRefused(_ given: String?, _ format: Open311Format) -> Response? {
        guard let jurisdiction, let given, !given.isEmpty, given != jurisdiction else { return nil }
        return failure(404, "jurisdiction_id '\(given)' is not served here; this endpoint serves '\(jurisdiction)'", format)
    }

    // MARK: Services

    struct Service: Encodable {
        var service_code: String
        var service_name: String
        var description: String
        var metadata: Bool
        var type: String
        var keywords: String
        var group: String
    }

    func text(_ key: String) -> String { locale.strings[key] ?? key }

    func services() -> [Service] {
        catalogue.services.flatMap { service in
            service.faults.map { fault in
                Service(service_code: "\(service.code).\(fault.code)",
                        service_name: "\(text("service.\(service.code)")): \(text("fault.\(service.code).\(fault.code)"))",
                        description: "\(text("fault.\(service.code).\(fault.code)")) (\(text("moe.\(service.moe)")))",
                        metadata: true, type: "realtime",
                        keywords: [service.code, fault.code.replacingOccurrences(of: "_", with: " ")].joined(separator: ", "),
                        group: text("service.\(service.code)"))
            }
        }
    }

    struct Definition: Encodable {
        struct Attribute: Encodable {
            struct Value: Encodable {
                var key: String
                var name: String
            }
            var variable = true
            var code = "area"
            var datatype = "singlevaluelist"
            var required = false
            var datatype_description = "The suburb or ward (found from lat/long when not given)"
            var order = 1
            var description = "Area"
            var values: [Value]
        }
        var service_code: String
        var attributes: [Attribute]
    }

    func serviceDefinition(_ code: String) -> Definition? {
        guard let match = Open311Codes.parse(code, catalogue), match.fault != nil else { return nil }
        return Definition(service_code: code, attributes: [.init(values: catalogue.areas.map { .init(key: $0.code, name: $0.name) })])
    }

    struct Discovery: Encodable {
        struct Endpoint: Encodable {
            var specification = "http://wiki.open311.org/GeoReport_v2"
            var url: String
            var changeset = "2026-11-30T00:00:00+02:00"
            var type = "production"
            var formats = ["text/xml", "application/json"]
        }
        var changeset = "2026-11-30T00:00:00+02:00"
        var contact = "Your municipality's service desk"
        var key_service = "API keys are issued to registered community organisations by the administrator"
        var endpoints: [Endpoint]
    }

    func discovery(_ request: Request) -> Discovery {
        let host = request.head.authority ?? "127.0.0.1"
        return Discovery(endpoints: [.init(url: "http://\(host)/open311/v2")])
    }

    // MARK: Output

    struct Failure: Encodable {
        var code: Int
        var description: String
    }

    func failure(_ code: Int, _ description: String, _ format: Open311Format) -> Response {
        reply([Failure(code: code, description: description)], root: "errors", format, status: .init(code: code))
    }

    /// The value as JSON, or that same JSON written as the specification's XML under `root`.
    func reply(_ value: some Encodable, root: String, _ format: Open311Format, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(value)) ?? Data("[]".utf8)
        let body = format == .json ? json : Data(Open311XML.document(json, root: root).utf8)
        return Response(status: status, headers: [.contentType: format.contentType], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// `.xml` or `.json` at the end of an Open311 path.
enum Open311Format: String, CaseIterable, Sendable {
    case xml, json

    var contentType: String { self == .xml ? "text/xml; charset=utf-8" : "application/json; charset=utf-8" }

    /// "water.burst_pipe.xml" -> ("water.burst_pipe", .xml); nil without a known format.
    static func split(_ name: String) -> (String, Open311Format)? {
        guard let dot = name.lastIndex(of: "."), let format = Open311Format(rawValue: String(name[name.index(after: dot)...])) else { return nil }
        return (String(name[..<dot]), format)
    }
}

/// Open311 service codes: `service.fault`, or a bare `service` meaning any of its faults.
enum Open311Codes {
    static func parse(_ code: String, _ catalogue: ServiceCatalogue) -> RequestFilter.ServiceMatch? {
        let parts = code.split(separator: ".", maxSplits: 1).map(String.init)
        guard let service = parts.first.flatMap(catalogue.service) else { return nil }
        if parts.count == 1 { return .init(service: service.code, fault: nil) }
        guard service.faults.contains(where: { $0.code == parts[1] }) else { return nil }
        return .init(service: service.code, fault: parts[1])
    }

    static func name(_ code: String, _ catalogue: ServiceCatalogue, _ locale: LocaleStrings) -> String {
        let parts = code.split(separator: ".", maxSplits: 1).map(String.init)
        let service = locale.strings["service.\(parts[0])"] ?? parts[0]
        guard parts.count == 2 else { return service }
        return "\(service): \(locale.strings["fault.\(parts[0]).\(parts[1])"] ?? parts[1])"
    }
}

