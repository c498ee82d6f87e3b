import Domain
import Foundation
import Gateway
import GRDB
import Persistence

/// Organisations' reports filed on SQLite (the organisations themselves: `Persistence/OrganisationStatements.swift`).
public struct SQLiteOrganisationStore: OrganisationStore {
    let database: AppDatabase

    public init(_ database: AppDatabase) { self.database = database }

    public func store(_ reports: [OrganisationReport], for organisation: Organisation, quota: DailyQuota, duplicates: DuplicateRules,
                      redraw: @escaping @Sendable (NewTicket) -> NewTicket, summary: @escaping ConfirmationSummary) async throws -> [Filed?] {
        // The references go back to the organisation as stored: on disk before the answer leaves.
        try await database.writeDurably { db in
            func rows(_ sql: Persistence.SQL) throws -> [any SQLRow] { try SQLiteStatements.fetch(db, sql) }
            var references: [Filed?] = []
            references.reserveCapacity(reports.count)
            var filed = try rows(OrganisationStatements.filed(organisation, since: quota.since)).first?.int("n") ?? 0
            var confirmations = BatchConfirmations()
            for report in reports {
                if let external = report.externalID,
                   let existing = try rows(OrganisationStatements.filedEarlier(organisation, externalID: external)).first?.reference("reference") {
                    references.append(Filed(existing, earlier: true))
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
                for statement in OrganisationStatements.attach(id, to: organisation, report) { try SQLiteStatements.execute(db, statement) }
                let twin = try SQLiteStatements.run(ReportStatements.linkLikelyDuplicate(id, ticket, rules: duplicates), db)
                filed += 1
                references.append(Filed(ticket.draft.reference, possibleDuplicateOf: twin))
                confirmations.add(ticket, id: id)
            }
            for m in confirmations.messages(summary) { try OutboxRows.enqueue(db, m.sms, ticketID: m.ticketID, at: m.at) }
            return references
        }
    }
}

/// Uploads and an organisation's own reports are written once (`Persistence/UploadStatements.swift`).
extension SQLiteOrganisationStore: UploadStore, OrganisationReports {}

extension SQLiteOrganisationStore: SQLBacked {
    public var statements: any SQLDatabase { SQLiteStatementDatabase(database: database) }
}
