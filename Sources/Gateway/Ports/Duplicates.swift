import Domain
import Foundation

/// Where the open tickets a report may repeat are read (newest first), within one MOE (nil: any).
public protocol DuplicateFinder: Sendable {
    func duplicateCandidates(service: String, moe: String?, since: Date, limit: Int) async throws -> [DuplicateCandidate]
    /// A ticket as the duplicate rule compares it, within `scope`.
    func duplicateSubject(_ reference: Reference, scope: String?) async throws -> DuplicateCandidate?
}

/// A resident added to a ticket already reported ("Add me to it"): one more report of it, in the
/// hop's transaction; they hear its news in `language`. The ticket's top of chain is joined (it
/// may have been merged since the offer). Counts toward the number's daily report cap.
public struct TicketJoin: Sendable, Equatable {
    public var reference: Reference
    public var msisdn: MSISDN
    public var language: String
    public var channel: ReportChannel

    public init(reference: Reference, msisdn: MSISDN, language: String, channel: ReportChannel) {
        (self.reference, self.msisdn, self.language, self.channel) = (reference, msisdn, language, channel)
    }
}
