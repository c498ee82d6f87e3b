import Domain
import Foundation

/// The tickets an MOE received in a period, as the indicators need them.
public protocol IndicatorRows: Sendable {
    /// Tickets of `moe` (nil: every MOE) created in [from, to), with their first acknowledgement
    /// and resolution, targets, whether they were reopened, their survey ratings, channel,
    /// service, area, MOE and when they last closed.
    func indicatorTickets(moe: String?, from: Date, to: Date) async throws -> [IndicatorTicket]
}

/// A ticket whose figures changed since its day's rollup was last made: marked by the store's
/// triggers on every insert or change of a ticket and on every survey answer.
public struct ChangedTicket: Sendable, Equatable {
    public var id: Int64
    public var version: Int64
    public var createdAt: Date

    public init(id: Int64, version: Int64, createdAt: Date) {
        (self.id, self.version, self.createdAt) = (id, version, createdAt)
    }
}

/// Which rows of the daily rollup to read: nil is every MOE, service or area.
public struct FigureFilter: Sendable, Equatable {
    public var moe: String?
    public var service: String?
    public var area: String?

    public init(moe: String? = nil, service: String? = nil, area: String? = nil) {
        (self.moe, self.service, self.area) = (moe, service, area)
    }
}

/// The daily rollup (`DayFigures` by day, MOE, service and area) and the marks of what changed.
public protocol DailyFigureStore: Sendable {
    /// Up to `limit` changed tickets, in the order they were received (so a batch covers few days).
    func changedTickets(limit: Int) async throws -> [ChangedTicket]
    /// Replaces every row of local day `day` with `rows` made from tickets read at `madeAt` (one
    /// instance at a time per day), unless the day's rows were made from a later read: two
    /// instances making the same day never leave the older figures. Returns whether it replaced them.
    @discardableResult
    func replaceFigures(day: Int, with rows: [DayFigures], madeAt: Date) async throws -> Bool
    /// Removes the marks that were read, unless the ticket changed again since.
    func clearChanged(_ tickets: [ChangedTicket]) async throws
    /// The rows of days [from, to) that pass the filter.
    func figures(_ filter: FigureFilter, fromDay: Int, toDay: Int) async throws -> [DayFigures]
    /// The rows outside [from, to) that the backlog and the open ages need: earlier days with
    /// tickets still open or closed on or after `from`, later days with tickets still open.
    func figuresOutside(_ filter: FigureFilter, fromDay: Int, toDay: Int) async throws -> [BacklogRow]
}

/// The age buckets of open tickets on the dashboard, in whole local days since receipt.
public enum OpenAges {
    /// Received today, 1-2, 3-6, 7-29 days ago; the last bucket is older.
    public static let bounds = [1, 3, 7, 30]
    public static let labels = ["today", "1-2 days", "3-6 days", "7-29 days", "30 days or more"]

    /// Open tickets by age at local day `today`.
    public static func count(_ rows: [BacklogRow], today: Int) -> [Int] {
        var buckets = [Int](repeating: 0, count: bounds.count + 1)
        for row in rows where row.open > 0 {
            let age = today - row.day
            buckets[bounds.firstIndex { age < $0 } ?? bounds.count] += row.open
        }
        return buckets
    }
}

/// The `tickets` columns the daily figures read: a change to one of them marks the ticket for
/// the rollup (both stores' triggers); a change to the others (reporter, address, description,
/// language, public update, assignee), such as a purge, does not.
public enum FigureColumns {
    public static let sql = "reference, service, fault, area, moe, queue, status, channel, created_at, updated_at, due_at, acknowledge_due_at, "
        + "paused_at, escalation_level, duplicate_of, expected_at"
}
