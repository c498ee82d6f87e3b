import Domain
import Foundation

/// The likely duplicates of a ticket, for its dispatcher: the open tickets of its MOE it likely
/// repeats, or that repeat it (the same rule both ways: the same service and fault, the same
/// place in the same area or near, within the fault type's window), closest first.
public struct LikelyDuplicateSearch: Sendable {
    let finder: any DuplicateFinder
    let rules: DuplicateRules

    public init(finder: any DuplicateFinder, rules: DuplicateRules) { (self.finder, self.rules) = (finder, rules) }

    public func likely(_ reference: Reference, scope: String?, limit: Int = 5) async throws -> [LikelyDuplicate] {
        guard let ticket = try await finder.duplicateSubject(reference, scope: scope), ticket.status.isOpen else { return [] }
        let window = rules.longestWindow(ticket.service)
        let around = try await finder.duplicateCandidates(service: ticket.service, moe: scope, since: ticket.createdAt.addingTimeInterval(-window),
                                                          limit: 500)
        // Both earlier and later reports: measured from the later of the two.
        let found = around.compactMap { other -> LikelyDuplicate? in
            let (newer, older) = other.createdAt > ticket.createdAt ? (other, ticket) : (ticket, other)
            guard let match = rules.likelyDuplicates(of: newer, among: [older], now: newer.createdAt, limit: 1).first else { return nil }
            return LikelyDuplicate(ticket: other, reason: match.reason)
        }
        return Array(found.sorted { ($0.metres, $1.ticket.createdAt) < ($1.metres, $0.ticket.createdAt) }.prefix(limit))
    }
}
