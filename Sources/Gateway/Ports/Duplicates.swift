import Domain
import Foundation

/// Where the open tickets a report may repeat are read (newest first), within one MOE (nil: any).
public protocol DuplicateFinder: Sendable {
    func duplicateCandidates(service: String, moe: String?, since: Date, limit: Int) async throws -> [DuplicateCandidate]
    /// A ticket as the duplicate rule compares it, within `scope`.
    func duplicateSubject(_ reference: Reference, scope: String?) async throws -> DuplicateCandidate?
}
