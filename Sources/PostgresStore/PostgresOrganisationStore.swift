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
    public func store(_ reports: [OrganisationReport], for organisation: Organisation, quota: DailyQuota, duplicates: DuplicateRules,
                      redraw: @escaping @Sendable (NewTicket) -> NewTicket, summary: @escaping ConfirmationSummary) async throws -> [Filed?] {
        try await database.client.withTransaction(logger: logger) { tx in
            try await tx.perform("SELECT pg_advisory_xact_lock(\(Self.uploadLock), \(Int32(truncatingIfNeeded: organisation.id)))::text", logger: logger)
            func rows(_ sql: SQL) async throws -> [any SQLRow] { try await PostgresStatements.fetch(tx, sql, logger: logger) }
            var filed = try await rows(OrganisationStatements.filed(organisation, since: quota.since)).first?.int("n") ?? 0
            var references: [Filed?] = []
            var confirmations = BatchConfirmations()
            for report in reports {
                if let external = report.externalID,
                   let existing = try await rows(OrganisationStatements.filedEarlier(organisation, externalID: external)).first?.reference("reference") {
                    references.append(Filed(existing, earlier: true))
                    continue
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
                guard let id else { continue }
                for statement in OrganisationStatements.attach(id, to: organisation, report) { _ = try await rows(statement) }
                let twin = try await PostgresStatements.run(ReportStatements.linkLikelyDuplicate(id, ticket, rules: duplicates), tx, logger: logger)
                filed += 1
                references.append(Filed(ticket.draft.reference, possibleDuplicateOf: twin))
                confirmations.add(ticket, id: id)
            }
            for m in confirmations.messages(summary) {
                try await PostgresTicketRows.enqueue(m.sms, ticketID: m.ticketID, at: m.at, tx, logger: logger)
            }
            return references
        }
    }

    /// The first key of the two-key advisory lock that serialises one organisation's uploads.
    static let uploadLock: Int32 = 0x6367_7570
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
