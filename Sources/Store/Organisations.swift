import Domain
import Foundation
import Gateway
import GRDB
import Persistence

/// Organisations' reports filed on SQLite (the organisations themselves: `Persistence/OrganisationStatements.swift`).
public struct SQLiteOrganisationStore: OrganisationStore {
    let database: AppDatabase

    public init(_ database: AppDatabase) { self.database = database }

    public func store(_ reports: [OrganisationReport], for organisation: Organisation, quota: DailyQuota,
                      redraw: @escaping @Sendable (NewTicket) -> NewTicket, summary: @escaping ConfirmationSummary) async throws -> [Filed?] {
        // The references go back to the organisation as stored: on disk before the answer leaves.
        try await database.writeDurably { db in
            var references: [Filed?] = []
            references.reserveCapacity(reports.count)
            var filed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tickets WHERE source_org = ? AND created_at >= ?",
                                         arguments: [organisation.id, quota.since]) ?? 0
            // Confirmations by number, in row order: one SMS per number for this transaction.
            var confirmations: [(MSISDN, [(id: Int64, ticket: NewTicket)])] = []
            var slot: [String: Int] = [:]
            for report in reports {
                if let external = report.externalID,
                   let existing = try String.fetchOne(db.cachedStatement(sql: "SELECT reference FROM tickets WHERE source_org = ? AND external_id = ?"),
                                                      arguments: [organisation.id, external]),
                   let reference = try? Reference(parsing: existing) {
                    references.append(Filed(reference, earlier: true))
                    continue
                }
                guard filed < quota.limit else {
                    references.append(nil)
                    continue
                }
                var ticket = report.ticket
                // A drawn reference already taken (about one in a billion): the caller draws again.
                while try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM tickets WHERE reference = ?)"),
                                         arguments: [ticket.draft.reference.digits]) == true {
                    ticket = redraw(ticket)
                }
                var unconfirmed = ticket
                unconfirmed.confirmation = nil
                let id = try TicketRows.insert(db, unconfirmed)
                try db.cachedStatement(sql: "UPDATE tickets SET source_org = ?, external_id = ?, source_upload = ? WHERE id = ?")
                    .execute(arguments: [organisation.id, report.externalID, report.upload, id])
                if let details = report.details, !details.isEmpty {
                    try db.execute(sql: """
                        INSERT INTO reporter_details (ticket_id, email, first_name, last_name, media_url, attributes) VALUES (?, ?, ?, ?, ?, ?)
                        """, arguments: [id, details.email, details.first_name, details.last_name, details.media_url, ReporterDetailsCodec.attributes(details)])
                }
                filed += 1
                references.append(Filed(ticket.draft.reference))
                if let reporter = ticket.draft.reporter, ticket.confirmation != nil {
                    if let i = slot[reporter.e164] { confirmations[i].1.append((id, ticket)) } else {
                        slot[reporter.e164] = confirmations.count
                        confirmations.append((reporter, [(id, ticket)]))
                    }
                }
            }
            for (reporter, tickets) in confirmations {
                let first = tickets[0]
                let body = tickets.count == 1 ? first.ticket.confirmation ?? "" : summary(tickets.map(\.ticket))
                try OutboxRows.enqueue(db, OutboundSMS(to: reporter, body: body), ticketID: first.id, at: first.ticket.createdAt)
            }
            return references
        }
    }
}


/// Uploads and an organisation's own reports are written once (`Persistence/UploadStatements.swift`).
extension SQLiteOrganisationStore: UploadStore, OrganisationReports {}

extension SQLiteOrganisationStore: SQLBacked {
    public var statements: any SQLDatabase { SQLiteStatementDatabase(database: database) }
}
