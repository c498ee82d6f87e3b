import Channels
import Domain
import Foundation
import Gateway
import Hummingbird
import NIOCore

/// Open311 service requests: the public list and one request, and a report from an app.
extension Open311Routes {
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
        var lat: Double?
        var long: Double?
        /// `urgent` or `normal`: how soon the MOE sends a crew.
        var priority: String
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
            address: PublicText.scrub([r.address, area].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")),
            lat: r.location?.lat, long: r.location?.long, priority: r.priority.rawValue)
    }

    func list(_ request: Request, _ format: Open311Format) async throws -> Response {
        let q = request.uri.queryParameters
        if let refused = jurisdictionRefused(q["jurisdiction_id"].map(String.init), format) { return refused }
        var filter = RequestFilter()
        if let ids = q["service_request_id"] {
            for id in ids.split(separator: ",") {
                guard let r = try? Reference(parsing: String(id)) else { return failure(400, "service_request_id '\(id)' is not a reference", format) }
                filter.references.append(r)
            }
        }
        if let codes = q["service_code"] {
            for code in codes.split(separator: ",") {
                guard let match = Open311Codes.parse(String(code), catalogue) else { return failure(400, "unknown service_code '\(code)'", format) }
                filter.services.append(match)
            }
        }
        for (name, keyPath) in [("start_date", \RequestFilter.start), ("end_date", \RequestFilter.end)] {
            if let value = q[Substring(name)] {
                guard let date = Open311Dates.parse(String(value)) else {
                    return failure(400, "\(name) must be ISO 8601, e.g. 2026-11-01T00:00:00+02:00", format)
                }
                filter[keyPath: keyPath] = date
            }
        }
        if let status = q["status"] {
            switch status {
            case "open": filter.open = true
            case "closed": filter.open = false
            default: return failure(400, "status must be open or closed", format)
            }
        }
        if let page = q["page"] {
            guard let n = Int(page), (1...Self.maxPage).contains(n) else { return failure(400, "page must be a whole number from 1 to \(Self.maxPage)", format) }
            filter.page = n
        }
        if let size = q["page_size"] {
            guard let n = Int(size), (1...500).contains(n) else { return failure(400, "page_size must be 1 to 500", format) }
            filter.pageSize = n
        }
        return reply(try await listing.requests(filter).map(requestObject), root: "service_requests", format)
    }

    /// POST requests: one report from an organisation's app (`api_key` required). A location is
    /// `address_string`, `address_id` or `lat`+`long`; a point with no `attribute[area]` finds its
    /// area in the boundaries, and one outside every area goes to municipal triage, its point kept.
    /// E-mail, names, a photo's address and the app's own attributes are kept as reporter details.
    func create(_ request: Request, _ format: Open311Format) async throws -> Response {
        guard let organisations, let bulk else { return failure(404, "reporting is not enabled", format) }
        let form: FormBody, organisation: Organisation
        switch try await organisationForm(request, organisations, format) {
        case .success(let found): (form, organisation) = found
        case .failure(let refusal): return refusal.response
        }
        guard let code = form["service_code"], !code.isEmpty else { return failure(400, "service_code is required", format) }
        var location: GeoPoint?
        let (latText, longText) = (form["lat"] ?? "", form["long"] ?? "")
        if !latText.isEmpty || !longText.isEmpty {
            guard let lat = Double(latText), let long = Double(longText), let point = GeoPoint(lat: lat, long: long) else {
                return failure(400, "lat and long must both be decimal degrees (lat -90 to 90, long -180 to 180)", format)
            }
            location = point
        }
        let addressID = (form["address_id"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var address = (form["address_string"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if !addressID.isEmpty { address += address.isEmpty ? "address id \(addressID.prefix(100))" : " (address id \(addressID.prefix(100)))" }
        if address.isEmpty, let location { address = "lat \(location.lat), long \(location.long)" }
        if address.isEmpty { return failure(400, "a location is required: address_string, address_id, or lat and long", format) }
        var area = form["attribute[area]"] ?? ""
        var outside = false
        if area.isEmpty, let location, !boundaries.isEmpty {
            if let found = boundaries.area(containing: location) { area = found } else { outside = true }
        }
        // The same checks as a CSV row; an app may send its own id as attribute[external_id].
        let external = form["attribute[external_id]"]
        let fields = [external ?? "open311", code, area, address, form["description"] ?? "", form["phone"] ?? ""]
        let prepared: (good: [BulkReports.Prepared], bad: [RowResult])
        do {
            prepared = try bulk.prepare(header: BulkReports.columns, records: [(number: 1, fields: fields)], channel: .open311)
        } catch { return failure(400, "\(error)", format) }
        if let problems = prepared.bad.first?.errors, !problems.isEmpty {
            let first = problems.first { $0.column != "external_id" } ?? problems[0]
            return failure(400, "\(first.column == "service_code" ? "service_code" : first.column): \(first.message)", format)
        }
        var good = prepared.good
        if external == nil { good = good.map { var g = $0; g.report.externalID = nil; return g } }
        good = good.map { bulk.placed($0, at: location, outsideAreas: outside, details: Self.details(form)) }
        let rows = try await bulk.store(good, bad: [], for: organisation, in: organisations)
        guard let reference = rows.first?.reference else {
            return failure(429, rows.first?.errors?.first?.message ?? "the report could not be stored", format)
        }
        return reply([["service_request_id": reference, "service_notice": "Thank you. The responsible department has been told."]],
                     root: "service_requests", format)
    }

    /// What a front end says about the person: e-mail, names, photo, its own attributes.
    static func details(_ form: FormBody) -> ReporterDetails {
        var attributes: [String: String] = [:]
        for field in form.fields where field.name.hasPrefix("attribute[") && field.name.hasSuffix("]") && attributes.count < 20 {
            let name = String(field.name.dropFirst(10).dropLast())
            guard !["area", "external_id"].contains(name), !name.isEmpty, name.count <= 50 else { continue }
            attributes[name] = String(field.value.prefix(500))
        }
        return ReporterDetails(email: form["email"], first_name: form["first_name"], last_name: form["last_name"], media_url: form["media_url"],
                               attributes: attributes)
    }

    struct Refusal: Error { let response: Response }

    /// A POST's form from an organisation's app: readable, in this jurisdiction, with a valid `api_key`.
    func organisationForm(_ request: Request, _ organisations: any OrganisationPortal,
                          _ format: Open311Format) async throws -> Result<(FormBody, Organisation), Refusal> {
        let body = try await request.body.collect(upTo: 64 * 1024)
        guard let form = try? FormBody(parsing: Array(body.readableBytesView)) else {
            return .failure(Refusal(response: failure(400, "the body must be a URL-encoded form", format)))
        }
        if let refused = jurisdictionRefused(form["jurisdiction_id"], format) { return .failure(Refusal(response: refused)) }
        guard let key = form["api_key"], let organisation = try await organisations.authenticate(key: key) else {
            return .failure(Refusal(response: failure(403, "a valid api_key is required", format)))
        }
        return .success((form, organisation))
    }
}
