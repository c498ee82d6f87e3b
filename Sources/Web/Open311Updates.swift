import Channels
import Domain
import Foundation
import Gateway
import Hummingbird
import NIOCore

/// FixMyStreet's extension (mySociety, "Open311 FMS – Complete Spec"): `GET servicerequestupdates`
/// lists the public updates of a time window, so a front end shows what the dispatcher told the
/// reporters; `POST servicerequestupdates` takes a resident's update from the front end into the
/// ticket's history (for the dispatcher), reopening a resolved ticket when it says OPEN.
extension Open311Routes {
    /// The most a window lists; a front end asks again from the last `updated_datetime`.
    static let maxUpdates = 1_000

    struct UpdateObject: Encodable {
        var update_id: String
        var service_request_id: String
        var status: String
        var external_status_code: String
        var updated_datetime: String
        var description: String
        var media_url = ""
    }

    /// FixMyStreet's extended statuses. A re-route between MOEs is internal and never listed: the
    /// municipality stays responsible, so nothing maps to NOT_COUNCILS_RESPONSIBILITY.
    static func fixMyStreetStatus(_ s: TicketStatus?) -> String {
        switch s {
        case .new, nil: "OPEN"
        case .acknowledged: "INVESTIGATING"
        case .assigned, .scheduled: "ACTION_SCHEDULED"
        case .inProgress: "IN_PROGRESS"
        case .resolved: "FIXED"
        case .closed: "CLOSED"
        case .rejected: "NO_FURTHER_ACTION"
        case .duplicate: "DUPLICATE"
        }
    }

    func updates(_ request: Request, _ format: Open311Format) async throws -> Response {
        let q = request.uri.queryParameters
        if let refused = jurisdictionRefused(q["jurisdiction_id"].map(String.init), format) { return refused }
        if let key = q["api_key"], !key.isEmpty, let organisations, try await organisations.authenticate(key: String(key)) == nil {
            return failure(403, "this api_key is not valid (updates are public: leave it out, or use a valid one)", format)
        }
        let now = clock?.now() ?? Date()
        var window: [Date] = []
        for (name, fallback) in [("start_date", now.addingTimeInterval(-24 * 3600)), ("end_date", now)] {
            guard let value = q[Substring(name)], !value.isEmpty else { window.append(fallback); continue }
            guard let date = Open311Dates.parse(String(value)) else { return failure(400, "\(name) must be ISO 8601, e.g. 2026-11-01T00:00:00+02:00", format) }
            window.append(date)
        }
        guard window[0] <= window[1] else { return failure(400, "start_date must not be after end_date", format) }
        let found = try await listing.publicUpdates(from: window[0], to: window[1], limit: Self.maxUpdates)
        return reply(found.map { u in
            UpdateObject(update_id: String(u.id), service_request_id: u.reference.digits, status: Self.fixMyStreetStatus(u.status),
                         external_status_code: u.status?.rawValue ?? "", updated_datetime: Open311Dates.format(u.at, in: timeZone),
                         description: PublicText.scrub(u.note ?? u.status.map { text("status.\($0.rawValue)") } ?? ""))
        }, root: "service_request_updates", format)
    }

    /// A resident's update from the front end, on one of the organisation's own reports.
    func postUpdate(_ request: Request, _ format: Open311Format, address: String) async throws -> Response {
        guard let organisations, let staff, let engine, let clock else { return failure(404, "updates are not enabled", format) }
        let form: FormBody, organisation: Organisation
        switch try await organisationForm(request, organisations, format) {
        case .success(let found): (form, organisation) = found
        case .failure(let refusal): return refusal.response
        }
        guard let id = form["service_request_id"], let reference = try? Reference(parsing: id),
              try await organisations.organisationRequest(organisation.id, reference) != nil else {
            return failure(404, "no such service_request_id among this organisation's reports", format)
        }
        let status = (form["status"] ?? "").uppercased()
        guard ["", "OPEN", "CLOSED"].contains(status) else { return failure(400, "status must be OPEN or CLOSED", format) }
        let text = String((form["description"] ?? "").prefix(2000))
        let action = TicketAction.residentUpdate(text: text, reopen: status == "OPEN")
        switch try await TicketDesk(ledger: staff, engine: engine, clock: clock).perform(action, on: reference, scope: nil, actor: "org:\(organisation.id)",
                                                                                         address: address) {
        case .done: break
        case .notFound: return failure(404, "no such service_request_id", format)
        case .refused(let why), .noSuchCrew(let why): return failure(400, why, format)
        }
        let updateID = "\(reference.digits)-\(Secret.random(10, from: Secret.alphanumeric))"
        return reply([["update_id": updateID]], root: "service_request_updates", format)
    }
}
