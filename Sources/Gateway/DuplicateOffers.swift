import Domain
import FlowEngine
import Foundation

/// "Already reported": the engine's `find_duplicate` answered on the hop, from the service's open
/// tickets in the report's area (or any area when the report does not say which), by the domain's
/// rule: at most two, the closest first.
enum DuplicateOffers {
    /// Tickets read per offer at most: the newest of the window at the report's street number (or
    /// in its area), where a repeat report almost always is. A storm at one address does not make
    /// every hop read all its reports.
    static let readLimit = 50

    static func answer(_ report: DuplicateCandidate, by caller: MSISDN, rules: DuplicateRules, _ reads: any ConversationReads, now: Date) throws -> QueryAnswer {
        let since = now.addingTimeInterval(-rules.window(report.service, report.fault))
        let area = report.area == "unknown" ? nil : report.area
        let digits = report.location == nil ? ReportedPlace(report.address).numberDigits : nil
        let around = try reads.duplicateCandidates(service: report.service, area: area, since: since, digits: digits, notReportedBy: caller, limit: readLimit)
        return .duplicates(rules.likelyDuplicates(of: report, among: around, now: now, limit: 2))
    }
}
