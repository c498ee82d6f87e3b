import Domain
import Foundation
import Gateway

/// The open tickets a report may repeat, for both stores: a service's, newest first, since the
/// longest window (`tickets_service_open` serves it: its condition is this text, word for word).
public enum DuplicateStatements {
    static let openTickets = "status NOT IN ('resolved', 'closed', 'rejected', 'duplicate')"

    /// Within `area` (or of no known area) when given, at a street number's `digits` when given,
    /// leaving out what `caller` reported or joined when given.
    public static func candidates(service: String, moe: String?, area: String? = nil, digits: String? = nil, notReportedBy caller: MSISDN? = nil,
                                  since: Date, limit: Int) -> SQL {
        let place: SQL = area.map { "area IN (\($0), 'unknown')" } ?? "1 = 1"
        let others: SQL = caller.map { """
            (t.reporter IS NULL OR t.reporter <> \($0.e164))
            AND NOT EXISTS (SELECT 1 FROM ticket_reporters j WHERE j.ticket_id = t.id AND j.msisdn = \($0.e164))
            """ } ?? "1 = 1"
        let number = digits.flatMap(streetNumber)
        let atNumber: SQL = number.map { "street_number = \($0)" } ?? "1 = 1"
        return """
        SELECT reference, service, fault, area, address, lat, long, created_at, status FROM \(tickets(inOneArea: area != nil, atNumber: number != nil))
        WHERE service = \(service) AND \(place) AND \(raw: openTickets) AND created_at >= \(since) AND \(SQL.scoped("moe", to: moe))
          AND \(atNumber) AND \(others)
        ORDER BY created_at DESC LIMIT \(max(1, min(limit, 1000)))
        """
    }

    /// The tickets table, read within one area along `tickets_service_area_open`, or at one street
    /// number along `tickets_service_number_open`: SQLite's statistics of many open tickets tempt
    /// it to walk the service's (or the MOE's) whole window in order and test each row's area and
    /// address, 17 ms against 0.6 ms a lookup among 200,000 open tickets (`duplicate-benchmark`).
    static func tickets(inOneArea: Bool, atNumber: Bool = false, as alias: String = "t") -> SQL {
        let index = atNumber ? "tickets_service_number_open" : inOneArea ? "tickets_service_area_open" : nil
        return index.map { "tickets AS \(raw: alias) \(sqlite: "INDEXED BY \($0)", postgres: "")" } ?? "tickets AS \(raw: alias)"
    }

    /// A street number as `ReportedPlace.storedNumber` keeps it ("12" for "12 Vilakazi St",
    /// "No.12a" and "012 Vilakazi St"; "112" and "120" are numbers of their own): a bound value,
    /// so the statement's text is the same for every number (one prepared statement per
    /// connection, not one per number: a cache that grew with every report filed).
    static func streetNumber(_ digits: String) -> String? {
        (1...5).contains(digits.count) && digits.allSatisfy({ ("0"..."9").contains($0) }) && !digits.hasPrefix("0") ? digits : nil
    }

    public static func candidate(_ row: any SQLRow) throws -> DuplicateCandidate {
        let location = try row.real("lat").flatMap { lat in try row.real("long").flatMap { GeoPoint(lat: lat, long: $0) } }
        return DuplicateCandidate(reference: try row.reference("reference"), service: try row.text(required: "service"), fault: try row.text("fault"),
                                  area: try row.text(required: "area"), address: try row.text("address") ?? "", location: location,
                                  createdAt: try row.date(required: "created_at"), status: try row.value("status", as: TicketStatus.self))
    }

    /// One ticket as the rule compares it.
    static func ticket(_ reference: Reference, scope: String?) -> SQL {
        """
        SELECT reference, service, fault, area, address, lat, long, created_at, status FROM tickets
        WHERE reference = \(reference.digits) AND \(SQL.scoped("moe", to: scope))
        """
    }
}

extension DuplicateFinder where Self: SQLBacked {
    public func duplicateCandidates(service: String, moe: String?, since: Date, limit: Int) async throws -> [DuplicateCandidate] {
        try await statements.read(DuplicateStatements.candidates(service: service, moe: moe, since: since, limit: limit), DuplicateStatements.candidate)
    }

    public func duplicateSubject(_ reference: Reference, scope: String?) async throws -> DuplicateCandidate? {
        try await statements.read(DuplicateStatements.ticket(reference, scope: scope), DuplicateStatements.candidate).first
    }
}
