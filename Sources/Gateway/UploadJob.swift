import Domain
import Foundation
import Logging

/// Stores an organisation's uploaded rows in the background: validated as the bulk API does,
/// stored in batches with the progress written after each (the result page reads it), then the
/// per-row results kept for the page and its download. A row already stored by an earlier file
/// (same external id) counts as a duplicate and makes nothing new.
public struct UploadJob: Sendable {
    public static let maxRows = BulkReports.maxRows
    let bulk: BulkReports
    let store: any OrganisationPortal
    let audit: (any AuditLog)?
    let clock: any WallClock
    let logger: Logger

    public init(bulk: BulkReports, store: any OrganisationPortal, audit: (any AuditLog)?, clock: any WallClock, logger: Logger) {
        (self.bulk, self.store, self.audit, self.clock, self.logger) = (bulk, store, audit, clock, logger)
    }

    public func run(header: [String], records: [(number: Int, fields: [String])], upload id: Int64, for organisation: Organisation,
                    by username: String) async {
        do {
            let prepared = try bulk.prepare(header: header, records: records, upload: id)
            let bad = prepared.bad.count
            let rows = try await bulk.store(prepared.good, bad: prepared.bad, for: organisation, in: store, batch: 500) { done in
                try await store.recordProgress(id, done: bad + done, at: clock.now())
            }
            let outcome = UploadOutcome(rows)
            try await store.finishUpload(id, outcome, at: clock.now())
            try await audit?.audit(actor: username, action: .uploadProcessed, reference: nil,
                                   detail: "\(organisation.name), upload \(id): \(outcome.accepted) accepted, \(outcome.duplicates) duplicates, \(outcome.rejected) rejected",
                                   address: nil, at: clock.now())
        } catch {
            logger.error("upload failed", metadata: ["upload": "\(id)", "error": "\(error)"])
            try? await store.failUpload(id, problem: "\(error)", at: clock.now())
        }
    }
}
