import Domain
import Foundation
import Gateway

/// Open311's reads, for both stores: public fields only (with a linked incident's news),
/// filtered and paged in SQL.
public enum RequestStatements {
    /// A ticket's public fields and its incident's news, as Track and Open311 show them (`t`, `i`).
    public static let publicColumns = """
        t.reference, t.service, t.fault, t.area, t.moe, t.status, t.public_update, t.expected_at, t.created_at, t.updated_at,
        i.id AS incident_id, i.description AS incident_description, i.expected_at AS incident_expected_at, i.status AS incident_status
        """
    static let columns = publicColumns + ", t.address, t.description, t.lat, t.long, t.priority"
    public static let from = "tickets t LEFT JOIN incident_tickets l ON l.ticket_id = t.id LEFT JOIN incidents i ON i.id = l.incident_id"

    public static func requests(_ f: RequestFilter) -> SQL {
        var q: SQL = "SELECT \(raw: columns) FROM \(raw: from) WHERE TRUE"
        if !f.references.isEmpty { q = q + " AND t.reference IN \(list: f.references.map(\.digits))" }
        if !f.services.isEmpty {
            var pairs: SQL = "FALSE"
            for s in f.services {
                pairs = pairs + " OR (t.service = \(s.service)" + (s.fault.map { " AND t.fault = \($0))" } ?? ")")
            }
            q = q + " AND (\(pairs))"
        }
        if let start = f.start { q = q + " AND t.created_at >= \(start)" }
        if let end = f.end { q = q + " AND t.created_at <= \(end)" }
        if let open = f.open {
            let closed = TicketStatus.allCases.filter { !$0.isOpen }
            q = q + (open ? " AND t.status NOT IN \(list: closed)" : " AND t.status IN \(list: closed)")
        }
        let size = max(1, f.pageSize)
        return q + " ORDER BY t.created_at DESC, t.id DESC LIMIT \(size) OFFSET \(Paging.offset(page: f.page, size: size))"
    }

    public static func publicTicket(_ row: any SQLRow) throws -> PublicTicket {
        let incident = try row.integer("incident_id").map { id in
            IncidentNotice(id: id, description: try row.text(required: "incident_description"), expectedAt: try row.date("incident_expected_at"),
                           isOpen: try row.text(required: "incident_status") == "open")
        }
        return PublicTicket(reference: try row.reference("reference"), service: try row.text(required: "service"),
                            fault: try row.text(required: "fault"), area: try row.text(required: "area"), moe: try row.text(required: "moe"),
                            status: try row.value("status", as: TicketStatus.self), lastPublicUpdate: try row.text("public_update"),
                            expectedAt: try row.date("expected_at"), createdAt: try row.date(required: "created_at"),
                            updatedAt: try row.date(required: "updated_at"), incident: incident)
    }

    public static func request(_ row: any SQLRow) throws -> PublicRequest {
        let ticket = try publicTicket(row)
        let (lat, long) = (try row.real("lat"), try row.real("long"))
        return PublicRequest(ticket: ticket, address: try row.text(required: "address"), description: try row.text(required: "description"),
                             location: lat.flatMap { lat in long.flatMap { GeoPoint(lat: lat, long: $0) } },
                             priority: try row.value("priority", as: TicketPriority.self))
    }

    /// Public updates (and merges) by time, for FixMyStreet.
    public static func publicUpdates(from: Date, to: Date, limit: Int) -> SQL {
        """
        SELECT e.id, t.reference, e.to_status, e.note, e.at FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
        WHERE (e.is_public OR e.kind = \(TicketEventKind.duplicate)) AND e.at >= \(from) AND e.at < \(to) ORDER BY e.at, e.id LIMIT \(limit)
        """
    }

    public static func update(_ row: any SQLRow) throws -> PublicUpdate {
        PublicUpdate(id: try row.integer(required: "id"), reference: try row.reference("reference"),
                     status: try row.value(optional: "to_status", as: TicketStatus.self), note: try row.text("note"), at: try row.date(required: "at"))
    }
}

extension RequestListing where Self: SQLBacked {
    public func requests(_ filter: RequestFilter) async throws -> [PublicRequest] {
        try await statements.read(RequestStatements.requests(filter), RequestStatements.request)
    }

    public func publicUpdates(from: Date, to: Date, limit: Int) async throws -> [PublicUpdate] {
        try await statements.read(RequestStatements.publicUpdates(from: from, to: to, limit: limit), RequestStatements.update)
    }
}
