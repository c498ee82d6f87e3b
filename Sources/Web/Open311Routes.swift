import Channels
import Domain
import FlowEngine
import Foundation
import Gateway
import Hummingbird
import NIOCore

/// Open311 GeoReport v2 (JSON) under /open311/v2/: the services catalogue and public tickets.
/// Each fault type is an Open311 service (`water.burst_pipe`); a bare service code (`water`)
/// matches all its fault types when listing. Public output never carries a phone number or name.
struct Open311Routes: Sendable {
    let catalogue: ServiceCatalogue
    let locale: LocaleStrings
    let listing: any RequestListing
    let organisations: (any OrganisationStore)?
    let bulk: BulkReports?
    let timeZone: TimeZone
    let limiter: RateLimiter
    let limits: RateLimits

    /// Pages past this are refused: page × page_size stays far from any overflow.
    static let maxPage = 100_000

    func register(on router: Router<WebContext>) {
        router.get("/open311/v2/discovery.json") { request, _ in json(discovery(request)) }
        router.get("/open311/v2/services.json") { _, _ in json(services()) }
        router.get("/open311/v2/services/:code") { request, context in
            let code = try context.parameters.require("code")
            guard code.hasSuffix(".json") else { return failure(400, "only the .json format is served") }
            guard let definition = serviceDefinition(String(code.dropLast(5))) else { return failure(404, "unknown service_code") }
            return json(definition)
        }
        router.get("/open311/v2/requests.json") { request, _ in try await list(request) }
        router.post("/open311/v2/requests.json") { request, context in
            if let wait = await limiter.take(limits.open311Post, "open311", address: context.clientAddress) {
                return RateLimiter.tooMany(wait).with(body: failureBody(429, "too many requests: try again in \(wait) s"))
            }
            return try await create(request)
        }
        router.get("/open311/v2/requests/:id") { _, context in
            let id = try context.parameters.require("id")
            guard id.hasSuffix(".json") else { return failure(400, "only the .json format is served") }
            guard let reference = try? Reference(parsing: String(id.dropLast(5))) else { return failure(404, "no such service_request_id") }
            var filter = RequestFilter()
            filter.references = [reference]
            let found = try await listing.requests(filter)
            guard !found.isEmpty else { return failure(404, "no such service_request_id") }
            return json(found.map(requestObject))
        }
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
            var datatype_description = "The suburb or ward"
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
            var changeset = "2026-11-27T00:00:00+02:00"
            var type = "production"
            var formats = ["application/json"]
        }
        var changeset = "2026-11-27T00:00:00+02:00"
        var contact = "Your municipality's service desk"
        var key_service = "API keys are issued to registered community organisations by the administrator"
        var endpoints: [Endpoint]
    }

    func discovery(_ request: Request) -> Discovery {
        let host = request.head.authority ?? "127.0.0.1"
        return Discovery(endpoints: [.init(url: "http://\(host)/open311/v2")])
    }

    // MARK: Requests

    struct RequestObject: Encodable {
        var service_request_id: String
        var status: String
        var status_notes: String?
        var service_name: String
        var service_code: String
        var description: String
        var agency_responsible: String
        var service_notice: String?
        var requested_datetime: String
        var updated_datetime: String
        var expected_datetime: String?
        var address: String
    }

    func requestObject(_ r: PublicRequest) -> RequestObject {
        let t = r.ticket
        let code = t.fault == "unspecified" ? t.service : "\(t.service).\(t.fault)"
        let area = catalogue.area(t.area)?.name
        return RequestObject(
            service_request_id: t.reference.digits, status: t.status.isOpen ? "open" : "closed",
            // A linked request's news is its incident's.
            status_notes: (t.incident?.description ?? t.lastPublicUpdate).map(PublicText.scrub), service_name: Open311Codes.name(code, catalogue, locale),
            service_code: code, description: PublicText.scrub(r.description.isEmpty ? text("fault.\(t.service).\(t.fault)") : r.description),
            agency_responsible: text("moe.\(t.moe)"), service_notice: text("status.\(t.status.rawValue)"),
            requested_datetime: Open311Dates.format(t.createdAt, in: timeZone), updated_datetime: Open311Dates.format(t.updatedAt, in: timeZone),
            expected_datetime: (t.expectedAt ?? t.incident.flatMap { $0.isOpen ? $0.expectedAt : nil }).map { Open311Dates.format($0, in: timeZone) },
            address: PublicText.scrub([r.address, area].compactMap { $0 }.joined(separator: ", ")))
    }

    func list(_ request: Request) async throws -> Response {
        let q = request.uri.queryParameters
        var filter = RequestFilter()
        if let ids = q["service_request_id"] {
            for id in ids.split(separator: ",") {
                guard let r = try? Reference(parsing: String(id)) else { return failure(400, "service_request_id '\(id)' is not a reference") }
                filter.references.append(r)
            }
        }
        if let codes = q["service_code"] {
            for code in codes.split(separator: ",") {
                guard let match = Open311Codes.parse(String(code), catalogue) else { return failure(400, "unknown service_code '\(code)'") }
                filter.services.append(match)
            }
        }
        for (name, keyPath) in [("start_date", \RequestFilter.start), ("end_date", \RequestFilter.end)] {
            if let value = q[Substring(name)] {
                guard let date = Open311Dates.parse(String(value)) else { return failure(400, "\(name) must be ISO 8601, e.g. 2026-11-01T00:00:00+02:00") }
                filter[keyPath: keyPath] = date
            }
        }
        if let status = q["status"] {
            switch status {
            case "open": filter.open = true
            case "closed": filter.open = false
            default: return failure(400, "status must be open or closed")
            }
        }
        if let page = q["page"] {
            guard let n = Int(page), (1...Self.maxPage).contains(n) else { return failure(400, "page must be a whole number from 1 to \(Self.maxPage)") }
            filter.page = n
        }
        if let size = q["page_size"] {
            guard let n = Int(size), (1...500).contains(n) else { return failure(400, "page_size must be 1 to 500") }
            filter.pageSize = n
        }
        return json(try await listing.requests(filter).map(requestObject))
    }

    /// POST requests.json: one report from an organisation's app (`api_key` required).
    func create(_ request: Request) async throws -> Response {
        guard let organisations, let bulk else { return failure(404, "reporting is not enabled") }
        let body = try await request.body.collect(upTo: 64 * 1024)
        let form: FormBody
        do { form = try FormBody(parsing: Array(body.readableBytesView)) } catch { return failure(400, "the body must be a URL-encoded form") }
        guard let key = form["api_key"], let organisation = try await organisations.authenticate(key: key) else {
            return failure(403, "a valid api_key is required")
        }
        guard let code = form["service_code"], !code.isEmpty else { return failure(400, "service_code is required") }
        var address = form["address_string"] ?? ""
        if address.isEmpty, let lat = form["lat"].flatMap(Double.init), let long = form["long"].flatMap(Double.init) {
            guard (-90...90).contains(lat), (-180...180).contains(long) else { return failure(400, "lat/long are out of range") }
            address = "lat \(lat), long \(long)"
        }
        if address.isEmpty { return failure(400, "a location is required: address_string, or lat and long") }
        // First and last names are not kept: a report needs no name.
        // The same checks as a CSV row; an app may send its own id as attribute[external_id].
        let external = form["attribute[external_id]"]
        let fields = [external ?? "open311", code, form["attribute[area]"] ?? "", address, form["description"] ?? "", form["phone"] ?? ""]
        let prepared: (good: [BulkReports.Prepared], bad: [RowResult])
        do {
            prepared = try bulk.prepare(header: BulkReports.columns, records: [(number: 1, fields: fields)], channel: .open311)
        } catch { return failure(400, "\(error)") }
        if let problems = prepared.bad.first?.errors, !problems.isEmpty {
            let first = problems.first { $0.column != "external_id" } ?? problems[0]
            return failure(400, "\(first.column == "service_code" ? "service_code" : first.column): \(first.message)")
        }
        var good = prepared.good
        if external == nil { good = good.map { var g = $0; g.report.externalID = nil; return g } }
        let rows = try await bulk.store(good, bad: [], for: organisation, in: organisations)
        guard let reference = rows.first?.reference else {
            return failure(429, rows.first?.errors?.first?.message ?? "the report could not be stored")
        }
        return json([["service_request_id": reference, "service_notice": "Thank you. The responsible department has been told."]])
    }

    // MARK: Output

    struct Failure: Encodable {
        var code: Int
        var description: String
    }

    func failure(_ code: Int, _ description: String) -> Response {
        json([Failure(code: code, description: description)], status: .init(code: code))
    }

    func failureBody(_ code: Int, _ description: String) -> Data {
        (try? JSONEncoder().encode([Failure(code: code, description: description)])) ?? Data()
    }

    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("[]".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
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

/// Datetimes as Open311 wants them: ISO 8601 with the offset, in the municipality's time zone.
public enum Open311Dates {
    public static func format(_ date: Date, in timeZone: TimeZone) -> String {
        var style = Date.ISO8601FormatStyle(timeZone: timeZone)
        style = style.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .colon)
        return date.formatted(style)
    }

    static func parse(_ text: String) -> Date? {
        let full = Date.ISO8601FormatStyle(includingFractionalSeconds: false)
        if let d = try? full.parse(text) { return d }
        if let d = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return d }
        if let d = try? Date.ISO8601FormatStyle().year().month().day().parse(text) { return d }
        return nil
    }
}
