import Domain
import Foundation

/// The tickets an MOE received in a period, as the indicators need them.
public protocol IndicatorRows: Sendable {
    /// Tickets of `moe` (nil: every MOE) created in [from, to), with their first acknowledgement
    /// and resolution, targets, whether they were reopened, their survey ratings, channel,
    /// service, area and MOE.
    func indicatorTickets(moe: String?, from: Date, to: Date) async throws -> [IndicatorTicket]
}
