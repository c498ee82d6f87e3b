import Domain
import Foundation
import Gateway

/// The figures' reads, for both stores: each ticket as the indicators count it, the open-data
/// rows, the daily rollup and the tickets marked for it. (Replacing a day's rollup stays with
/// each store: PostgreSQL takes an advisory lock on the day, SQLite has its one writer.)
public enum FigureStatements {
    /// When a ticket was first acknowledged and first resolved, from its history (`t` is the ticket).
    static let firstAcknowledged = """
        (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.from_status = 'new' AND e.to_status <> 'new') AS acknowledged_at
        """
    static let firstResolved = """
        (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'status' AND e.to_status IN ('resolved', 'closed')) AS resolved_at
        """

    static func indicatorTickets(moe: String?, from: Date, to: Date) -> SQL {
        """
        SELECT t.created_at, \(raw: firstAcknowledged), \(raw: firstResolved), t.acknowledge_due_at, t.due_at,
               EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'reopened') AS reopened,
               (SELECT \(sqlite: "group_concat(s.rating)", postgres: "string_agg(s.rating::TEXT, ',')") FROM surveys s
                WHERE s.ticket_id = t.id AND s.rating BETWEEN 1 AND 5) AS ratings,
               t.status IN ('duplicate', 'rejected') AS without_resolution, t.channel, t.service, t.area, t.moe,
               (SELECT COUNT(*) FROM ticket_reporters j WHERE j.ticket_id = t.id) AS added,
               CASE WHEN t.status IN \(list: WorklistQuery.open) THEN NULL ELSE t.updated_at END AS closed_at
        FROM tickets t WHERE \(SQL.scoped("t.moe", to: moe)) AND t.created_at >= \(from) AND t.created_at < \(to)
        """
    }

    static func indicatorTicket(_ row: any SQLRow) throws -> IndicatorTicket {
        var t = IndicatorTicket(createdAt: try row.date(required: "created_at"), acknowledgedAt: try row.date("acknowledged_at"),
                                resolvedAt: try row.date("resolved_at"), acknowledgeDueAt: try row.date("acknowledge_due_at"), dueAt: try row.date("due_at"),
                                reopened: try row.bool(required: "reopened"),
                                ratings: (try row.text("ratings") ?? "").split(separator: ",").compactMap { Int($0) },
                                closedWithoutResolution: try row.bool(required: "without_resolution"), closedAt: try row.date("closed_at"))
        (t.channel, t.service, t.area, t.moe) = (try row.text(required: "channel"), try row.text(required: "service"), try row.text(required: "area"),
                                                 try row.text(required: "moe"))
        t.addedReports = try row.int("added")
        return t
    }

    static func openDataRows(after id: Int64, limit: Int) -> SQL {
        """
        SELECT t.id, t.reference, t.service, t.fault, t.area, t.moe, t.channel, t.status, t.created_at, \(raw: firstAcknowledged), \(raw: firstResolved),
               t.acknowledge_due_at, t.due_at
        FROM tickets t WHERE t.id > \(id) ORDER BY t.id LIMIT \(max(1, limit))
        """
    }

    static func openDataRow(_ row: any SQLRow) throws -> OpenDataRow {
        OpenDataRow(id: try row.integer(required: "id"), reference: try row.text(required: "reference"), service: try row.text(required: "service"),
                    fault: try row.text(required: "fault"), area: try row.text(required: "area"), moe: try row.text(required: "moe"),
                    channel: try row.text(required: "channel"), status: try row.text(required: "status"), createdAt: try row.date(required: "created_at"),
                    acknowledgedAt: try row.date("acknowledged_at"), resolvedAt: try row.date("resolved_at"),
                    acknowledgeDueAt: try row.date("acknowledge_due_at"), dueAt: try row.date("due_at"))
    }

    static func filtered(_ f: FigureFilter) -> SQL {
        "\(SQL.scoped("moe", to: f.moe)) AND \(SQL.scoped("service", to: f.service)) AND \(SQL.scoped("area", to: f.area))"
    }

    static func figures(_ f: FigureFilter, fromDay: Int, toDay: Int) -> SQL {
        """
        SELECT day, moe, service, area, open, closed_on, figures FROM daily_figures WHERE day >= \(fromDay) AND day < \(toDay) AND \(filtered(f))
        """
    }

    static func figuresOutside(_ f: FigureFilter, fromDay: Int, toDay: Int) -> SQL {
        """
        SELECT day, received, open, closed_on FROM daily_figures
        WHERE ((day < \(fromDay) AND (open > 0 OR last_closed >= \(fromDay))) OR (day >= \(toDay) AND open > 0)) AND \(filtered(f))
        """
    }
}

extension IndicatorRows where Self: SQLBacked {
    public func indicatorTickets(moe: String?, from: Date, to: Date) async throws -> [IndicatorTicket] {
        try await statements.read(FigureStatements.indicatorTickets(moe: moe, from: from, to: to), FigureStatements.indicatorTicket)
    }
}

extension OpenDataSource where Self: SQLBacked {
    public func openDataRows(after id: Int64, limit: Int) async throws -> [OpenDataRow] {
        try await statements.read(FigureStatements.openDataRows(after: id, limit: limit), FigureStatements.openDataRow)
    }
}

extension DailyFigureStore where Self: SQLBacked {
    public func changedTickets(limit: Int) async throws -> [ChangedTicket] {
        try await statements.read("SELECT ticket_id, version, created_at FROM figures_changed ORDER BY created_at LIMIT \(max(1, limit))") {
            ChangedTicket(id: try $0.integer(required: "ticket_id"), version: try $0.integer(required: "version"), createdAt: try $0.date(required: "created_at"))
        }
    }

    public func figures(_ filter: FigureFilter, fromDay: Int, toDay: Int) async throws -> [DayFigures] {
        try await statements.read(FigureStatements.figures(filter, fromDay: fromDay, toDay: toDay)) {
            DayFigures(day: try $0.int("day"), moe: try $0.text(required: "moe"), service: try $0.text(required: "service"), area: try $0.text(required: "area"),
                       open: try $0.int("open"), closedOn: try $0.text(required: "closed_on"), encoded: try $0.text(required: "figures"))
        }.compactMap { $0 }
    }

    public func figuresOutside(_ filter: FigureFilter, fromDay: Int, toDay: Int) async throws -> [BacklogRow] {
        try await statements.read(FigureStatements.figuresOutside(filter, fromDay: fromDay, toDay: toDay)) { row -> BacklogRow? in
            guard let closed = Tally(encoded: Substring(try row.text(required: "closed_on"))) else { return nil }
            return BacklogRow(day: try row.int("day"), received: try row.int("received"), open: try row.int("open"), closedOn: closed)
        }.compactMap { $0 }
    }
}
