import Domain
import Foundation
import Gateway
import Logging
import Persistence
import PostgresNIO

/// Organisations and their reports on PostgreSQL. Uploads by one organisation are serialised by a
/// transaction advisory lock on its id, so its daily quota and its own row ids hold across instances.
public struct PostgresOrganisationStore: OrganisationStore {
    let database: PostgresAppDatabase

    public init(_ database: PostgresAppDatabase) { self.database = database }

    var logger: Logger { database.logger }
    public func store(_ reports: [OrganisationReport], for organisation: Organisation, quota: DailyQuota,
                      redraw: @escaping @Sendable (NewTicket) -> NewTicket, summary: @escaping ConfirmationSummary) async throws -> [Filed?] {
        try await database.client.withTransaction(logger: logger) { tx in
            try await tx.perform("SELECT pg_advisory_xact_lock(\(Self.uploadLock), \(Int32(truncatingIfNeeded: organisation.id)))::text", logger: logger)
            var filed = try await Self.count(tx.query("""
                SELECT COUNT(*)::BIGINT FROM tickets WHERE source_org = \(organisation.id) AND created_at >= \(quota.since)
                """, logger: logger))
            var references: [Filed?] = []
            var confirmations: [(MSISDN, [(id: Int64, ticket: NewTicket)])] = []
            var slot: [String: Int] = [:]
            for report in reports {
                if let external = report.externalID {
                    var existing: String?
                    for try await r in try await tx.query("""
                        SELECT reference FROM tickets WHERE source_org = \(organisation.id) AND external_id = \(external)
                        """, logger: logger).decode(String.self) { existing = r }
                    if let existing, let reference = try? Reference(parsing: existing) {
                        references.append(Filed(reference, earlier: true))
                        continue
                    }
                }
                guard filed < quota.limit else {
                    references.append(nil)
                    continue
                }
                var ticket = report.ticket
                var unconfirmed = ticket
                unconfirmed.confirmation = nil
                var id = try await PostgresTicketRows.insert(unconfirmed, tx, logger: logger)
                while id == nil {  // a drawn reference already taken: draw again
                    ticket = redraw(ticket)
                    unconfirmed = ticket
                    unconfirmed.confirmation = nil
                    id = try await PostgresTicketRows.insert(unconfirmed, tx, logger: logger)
                }
                try await tx.query("""
                    UPDATE tickets SET source_org = \(organisation.id), external_id = \(report.externalID), source_upload = \(report.upload) WHERE id = \(id)
                    """, logger: logger)
                if let details = report.details, !details.isEmpty {
                    try await tx.query("""
                        INSERT INTO reporter_details (ticket_id, email, first_name, last_name, media_url, attributes)
                        VALUES (\(id), \(details.email), \(details.first_name), \(details.last_name), \(details.media_url), \(ReporterDetailsCodec.attributes(details)))
                        """, logger: logger)
                }
                filed += 1
                references.append(Filed(ticket.draft.reference))
                if let reporter = ticket.draft.reporter, ticket.confirmation != nil, let id {
                    if let i = slot[reporter.e164] { confirmations[i].1.append((id, ticket)) } else {
                        slot[reporter.e164] = confirmations.count
                        confirmations.append((reporter, [(id, ticket)]))
                    }
                }
            }
            for (reporter, tickets) in confirmations {
                let first = tickets[0]
                let body = tickets.count == 1 ? first.ticket.confirmation ?? "" : summary(tickets.map(\.ticket))
                try await PostgresTicketRows.enqueue(OutboundSMS(to: reporter, body: body), ticketID: first.id, at: first.ticket.createdAt, tx, logger: logger)
            }
            return references
        }
    }

    /// The first key of the two-key advisory lock that serialises one organisation's uploads.
    static let uploadLock: Int32 = 0x6367_7570

    static func count(_ rows: PostgresRowSequence) async throws -> Int {
        var n: Int64 = 0
        for try await c in rows.decode(Int64.self) { n = c }
        return Int(n)
    }
}

public enum PostgresStoreError: Error, CustomStringConvertible {
    case noRowReturned
    public var description: String { "the database returned no row where one was expected" }
}


/// Uploads and an organisation's own reports are written once (`Persistence/UploadStatements.swift`).
extension PostgresOrganisationStore: UploadStore, OrganisationReports {}

extension PostgresOrganisationStore: SQLBacked {
    public var statements: any SQLDatabase { PostgresStatementDatabase(database: database) }
}
