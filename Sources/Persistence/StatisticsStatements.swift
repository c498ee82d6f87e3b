import Domain
import Foundation
import Gateway

/// The gauges /metrics shows, read when it is scraped, for both stores.
extension OperationalStatistics where Self: Settling {
    public func readings(now: Date) async throws -> [GaugeReading] {
        try await settle()  // sessions in progress count too
        return try await statements.look(.run([
            """
            SELECT t.moe, COUNT(*) AS open, SUM(CASE WHEN \(raw: DueDate.sql) < \(now) THEN 1 ELSE 0 END) AS overdue
            FROM tickets t WHERE t.status IN \(list: WorklistQuery.open) GROUP BY t.moe
            """,
            "SELECT channel, status, COUNT(*) AS n FROM tickets GROUP BY channel, status",
            "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status",
            "SELECT COUNT(*) AS n FROM ussd_sessions WHERE key NOT LIKE 'sms:%'",
        ]) { rows in
            var out: [GaugeReading] = []
            for row in rows[0] {
                let moe = try row.text(required: "moe")
                out.append(GaugeReading(name: "civicgate_backlog_tickets", labels: ["moe": moe], value: try row.int("open")))
                out.append(GaugeReading(name: "civicgate_overdue_tickets", labels: ["moe": moe], value: Int(try row.integer("overdue") ?? 0)))
            }
            for row in rows[1] {
                out.append(GaugeReading(name: "civicgate_tickets", labels: ["channel": try row.text(required: "channel"), "status": try row.text(required: "status")],
                                        value: try row.int("n")))
            }
            for row in rows[2] {
                out.append(GaugeReading(name: "civicgate_outbox_messages", labels: ["status": try row.text(required: "status")], value: try row.int("n")))
            }
            out.append(GaugeReading(name: "civicgate_ussd_sessions", labels: [:], value: try rows[3].first?.int("n") ?? 0))
            return .done(out)
        })
    }
}
