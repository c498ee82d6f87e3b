import Domain
import FlowEngine
import Foundation

/// One row's outcome, as the bulk API and the CLI report it.
public struct RowResult: Sendable, Equatable, Codable {
    public struct Problem: Sendable, Equatable, Codable {
        public var column: String
        public var message: String
        public init(column: String, message: String) { (self.column, self.message) = (column, message) }
    }

    public var row: Int
    public var external_id: String?
    public var reference: String?
    public var errors: [Problem]?
    /// The row's external id was stored before (an earlier file or request): nothing new was made.
    public var duplicate: Bool?
    /// Filed, but likely the same fault as this open ticket (same place, or near): linked to it
    /// for a dispatcher to merge or not. Never merged silently.
    public var possible_duplicate_of: String?

    public init(row: Int, external_id: String?, reference: String?, errors: [Problem]?, duplicate: Bool? = nil) {
        (self.row, self.external_id, self.reference, self.errors, self.duplicate) = (row, external_id, reference, errors, duplicate)
    }
}

/// Turns an organisation's rows into validated reports: every problem named by row and column,
/// good rows ready to store whatever happens to the bad ones.
public struct BulkReports: Sendable {
    public static let columns = ["external_id", "service_code", "area", "address", "description", "phone"]
    /// One request or upload from the web (the bulk API, the portal's upload page): at most this many
    /// data rows, the header not counted. `civicgate import` on the server has no row limit.
    public static let maxRows = 20_000
    /// ... and at most this many bytes.
    public static let maxBytes = 16 * 1024 * 1024

    let engine: FlowEngine
    let clock: any WallClock
    let references: @Sendable () -> Reference

    public init(engine: FlowEngine, clock: any WallClock, references: @escaping @Sendable () -> Reference) {
        self.engine = engine
        self.clock = clock
        self.references = references
    }

    public enum HeaderProblem: Error, Equatable, CustomStringConvertible {
        case missingColumns([String])
        public var description: String {
            switch self {
            case .missingColumns(let c): "the header row lacks \(c.joined(separator: ", ")); it needs \(BulkReports.columns.joined(separator: ","))"
            }
        }
    }

    /// The columns a header row lacks, if any.
    public static func headerProblem(_ header: [String]) -> HeaderProblem? {
        let missing = columns.filter { !header.contains($0) }
        return missing.isEmpty ? nil : .missingColumns(missing)
    }

    /// A validated row: where it came from and what to store.
    public struct Prepared: Sendable {
        public var row: Int
        public var report: OrganisationReport
    }

    public func prepare(header: [String], records: [(number: Int, fields: [String])], channel: ReportChannel = .bulk, upload: Int64? = nil)
        throws(HeaderProblem) -> (good: [Prepared], bad: [RowResult])
    {
        var seen: Set<String> = []
        return try prepare(header: header, records: records, seen: &seen, channel: channel, upload: upload)
    }

    /// One part of a file read in parts: `seen` holds the external ids of the parts before it.
    public func prepare(header: [String], records: [(number: Int, fields: [String])], seen: inout Set<String>, channel: ReportChannel = .bulk,
                        upload: Int64? = nil) throws(HeaderProblem) -> (good: [Prepared], bad: [RowResult]) {
        if let problem = Self.headerProblem(header) { throw problem }
        let index = Dictionary(Self.columns.map { c in (c, header.firstIndex(of: c)!) }, uniquingKeysWith: { a, _ in a })
        let now = clock.now()
        var good: [Prepared] = []
        var bad: [RowResult] = []
        let areasByName = Dictionary(engine.catalogue.areas.map { ($0.name.lowercased(), $0.code) }, uniquingKeysWith: { a, _ in a })
        for (number, fields) in records {
            func value(_ column: String) -> String {
                let i = index[column]!
                return i < fields.count ? fields[i].trimmingCharacters(in: .whitespacesAndNewlines) : ""
            }
            var problems: [RowResult.Problem] = []
            func problem(_ column: String, _ message: String) { problems.append(.init(column: column, message: message)) }
            if fields.count != header.count {
                problem("row", "expected \(header.count) fields, found \(fields.count)")
            }
            let external = value("external_id")
            if external.isEmpty { problem("external_id", "is empty: give each row your own id") }
            else if external.count > 100 { problem("external_id", "is longer than 100 characters") }
            else if !seen.insert(external).inserted { problem("external_id", "'\(external)' appears on an earlier row of this file") }
            let code = value("service_code")
            var service = "", fault = "unspecified"
            let parts = code.split(separator: ".", maxSplits: 1).map(String.init)
            if let s = parts.first.flatMap(engine.catalogue.service) {
                service = s.code
                if parts.count == 2 {
                    if s.faults.contains(where: { $0.code == parts[1] }) { fault = parts[1] } else { problem("service_code", "'\(code)': \(s.code) has no fault type '\(parts[1])'") }
                }
            } else {
                problem("service_code", code.isEmpty ? "is empty" : "'\(code)' is not a service code (see /open311/v2/services.json)")
            }
            let areaText = value("area")
            var area = "unknown"
            if !areaText.isEmpty {
                if let a = engine.catalogue.area(areaText.lowercased()) { area = a.code }
                else if let code = areasByName[areaText.lowercased()] { area = code }
                else { problem("area", "'\(areaText)' is not a known area") }
            }
            let address = value("address").split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if address.count < 3 { problem("address", "needs at least 3 characters: a street address or landmark") }
            else if address.count > 200 { problem("address", "is longer than 200 characters") }
            let description = value("description")
            if description.count > 1000 { problem("description", "is longer than 1000 characters") }
            let phoneText = value("phone")
            var phone: MSISDN?
            if !phoneText.isEmpty {
                phone = MSISDN(phoneText)
                if phone == nil { problem("phone", "'\(phoneText)' is not a phone number") }
            }
            guard problems.isEmpty else {
                bad.append(RowResult(row: number, external_id: external.isEmpty ? nil : external, reference: nil, errors: problems))
                continue
            }
            let language = engine.locales.fallback
            let draft = TicketDraft(reference: references(), service: service, fault: fault, area: area, address: address,
                                    description: description, channel: channel, reporter: phone, language: language)
            let ticket = engine.newTicket(draft, at: now, confirm: true)
            good.append(Prepared(row: number, report: OrganisationReport(externalID: external, ticket: ticket, upload: upload)))
        }
        return (good, bad)
    }

    /// A validated report given the point a map app put it at (routed to municipal triage when it
    /// lies outside every mapped area) and what the app said about the person.
    public func placed(_ prepared: Prepared, at location: GeoPoint?, outsideAreas: Bool, details: ReporterDetails?) -> Prepared {
        var p = prepared
        var draft = p.report.ticket.draft
        draft.location = location
        draft.outsideAreas = outsideAreas
        p.report.ticket = engine.newTicket(draft, at: p.report.ticket.createdAt, confirm: p.report.ticket.confirmation != nil)
        p.report.details = details.flatMap { $0.isEmpty ? nil : $0 }
        return p
    }

    /// Stores the good rows in transactions of `batch`, calling `progress` after each.
    public func store(_ good: [Prepared], bad: [RowResult], for organisation: Organisation, in store: any OrganisationStore,
                      batch: Int = 2000, progress: (Int) async throws -> Void = { _ in }) async throws -> [RowResult] {
        var results = bad
        var done = 0
        var start = 0
        let quota = DailyQuota(limit: organisation.dailyQuota, since: engine.settings.calendar.startOfDay(clock.now()))
        let overQuota = [RowResult.Problem(column: "row", message: "over the organisation's daily quota of \(organisation.dailyQuota) reports: send this row again tomorrow")]
        while start < good.count {
            let chunk = Array(good[start..<min(start + batch, good.count)])
            let engine = self.engine, draw = self.references
            let filed = try await store.store(chunk.map(\.report), for: organisation, quota: quota, duplicates: engine.duplicateRules, redraw: { taken in
                var draft = taken.draft
                draft.reference = draw()
                return engine.newTicket(draft, at: taken.createdAt, confirm: taken.confirmation != nil)
            }, summary: engine.createdSummary)
            for (prepared, filed) in zip(chunk, filed) {
                var result = RowResult(row: prepared.row, external_id: prepared.report.externalID, reference: filed?.reference.digits,
                                       errors: filed == nil ? overQuota : nil, duplicate: filed?.earlier == true ? true : nil)
                result.possible_duplicate_of = filed?.possibleDuplicateOf?.digits
                results.append(result)
            }
            start += batch
            done += chunk.count
            try await progress(done)
        }
        return results.sorted { $0.row < $1.row }
    }
}

/// The confirmations of one batch of reports: one SMS per number, in row order, for the tickets
/// filed for it in this batch (a single ticket's own confirmation, or a summary of several).
public struct BatchConfirmations: Sendable {
    var byNumber: [(MSISDN, [(id: Int64, ticket: NewTicket)])] = []
    var slot: [String: Int] = [:]

    public init() {}

    /// A ticket filed as `id`, if its reporter is to be told.
    public mutating func add(_ ticket: NewTicket, id: Int64) {
        guard let reporter = ticket.draft.reporter, ticket.confirmation != nil else { return }
        if let i = slot[reporter.e164] { byNumber[i].1.append((id, ticket)) } else {
            slot[reporter.e164] = byNumber.count
            byNumber.append((reporter, [(id, ticket)]))
        }
    }

    /// The SMS to queue, each counted against the number's first ticket of the batch.
    public func messages(_ summary: ConfirmationSummary) -> [(sms: OutboundSMS, ticketID: Int64, at: Date)] {
        byNumber.map { reporter, tickets in
            let first = tickets[0]
            let body = tickets.count == 1 ? first.ticket.confirmation ?? "" : summary(tickets.map(\.ticket))
            return (OutboundSMS(to: reporter, body: body), first.id, first.ticket.createdAt)
        }
    }
}
