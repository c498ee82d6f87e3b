import Domain
import Foundation

/// The tickets an MOE received in a period, as the indicators need them.
public protocol IndicatorRows: Sendable {
    /// Tickets of `moe` (nil: every MOE) created in [from, to), with their first acknowledgement
    /// and resolution, targets, whether they were reopened, their survey ratings, channel,
    /// service, area and MOE.
    func indicatorTickets(moe: String?, from: Date, to: Date) async throws -> [IndicatorTicket]
    /// Open tickets of `moe` (nil: every MOE), optionally of one service and area, counted by age
    /// at `now`: one count per bucket of `OpenAges.bounds` (younger than each bound) and one older.
    func openAges(moe: String?, service: String?, area: String?, now: Date) async throws -> [Int]
}

/// The age buckets of open tickets on the dashboard.
public enum OpenAges {
    /// Under 1 day, 1-3 days, 3-7 days, 7-30 days; the last bucket is older.
    public static let bounds: [TimeInterval] = [1, 3, 7, 30].map { $0 * 86400 }
    public static let labels = ["under 1 day", "1-3 days", "3-7 days", "7-30 days", "over 30 days"]
}
