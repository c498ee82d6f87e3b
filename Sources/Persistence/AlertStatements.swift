import Domain
import Foundation
import Gateway

extension AreaAlertKind: SQLBindable {}

/// Area alerts, for both stores: residents' subscriptions (written with their hop), an
/// incident's alerts scheduled in the transaction that declares, updates or closes it, and the
/// queuing of a due alert a chunk of subscribers at a time.
public enum AlertStatements {
    /// A number's alert areas, oldest first.
    public static func areas(of msisdn: MSISDN) -> SQL {
        "SELECT area FROM alert_subscriptions WHERE msisdn = \(msisdn.e164) ORDER BY created_at, area"
    }

    /// The statements of a resident's change (the limit counted in the statement, so two SMS at
    /// once cannot pass it).
    public static func apply(_ change: AlertSubscriptionChange, at: Date) -> [SQL] {
        switch change {
        case .add(let msisdn, let areas, let language, let limit):
            return areas.map { area in
                """
                INSERT INTO alert_subscriptions (msisdn, area, language, created_at)
                SELECT \(msisdn.e164), \(area), \(language), \(at)
                WHERE (SELECT COUNT(*) FROM alert_subscriptions WHERE msisdn = \(msisdn.e164)) < \(limit)
                   OR EXISTS (SELECT 1 FROM alert_subscriptions WHERE msisdn = \(msisdn.e164) AND area = \(area))
                ON CONFLICT (msisdn, area) DO UPDATE SET language = excluded.language, created_at = excluded.created_at
                """
            }
        case .remove(let msisdn, let areas):
            return [areas.isEmpty ? "DELETE FROM alert_subscriptions WHERE msisdn = \(msisdn.e164)"
                                  : "DELETE FROM alert_subscriptions WHERE msisdn = \(msisdn.e164) AND area IN \(list: areas)"]
        }
    }

    static let alertColumns = "a.id, a.kind, a.due_at, a.queued_at"

    static func alert(_ row: any SQLRow) throws -> AreaAlertRecord {
        AreaAlertRecord(id: try row.integer(required: "id"), kind: try row.value("kind", as: AreaAlertKind.self), dueAt: try row.date(required: "due_at"),
                        queued: try row.date("queued_at") != nil)
    }

    static func alerts(ofIncident id: Int64) -> SQL {
        "SELECT \(raw: alertColumns) FROM area_alerts a WHERE a.incident_id = \(id) ORDER BY a.id"
    }

    /// An incident's alerts as `steps` change them.
    static func schedule(_ steps: [AreaAlertStep], incident id: Int64, at: Date) -> [SQL] {
        steps.map {
            switch $0 {
            case .add(let kind, let due):
                "INSERT INTO area_alerts (incident_id, kind, due_at, recipients, created_at) VALUES (\(id), \(kind), \(due), 0, \(at))"
            case .move(let alert, let due): "UPDATE area_alerts SET due_at = \(due) WHERE id = \(alert) AND queued_at IS NULL"
            case .drop(let alert): "DELETE FROM area_alerts WHERE id = \(alert) AND queued_at IS NULL"
            }
        }
    }

    /// The alerts of an incident changed by `decide` on those it has, in the same transaction.
    static func reschedule(_ id: Int64, at: Date, _ decide: @escaping @Sendable ([AreaAlertRecord]) -> [AreaAlertStep]) -> SQLFlow<Void> {
        .run(alerts(ofIncident: id)) { rows in
            let steps = decide(try rows.map(alert))
            return steps.isEmpty ? .done(()) : .write(schedule(steps, incident: id, at: at), ())
        }
    }

    static func due(now: Date, limit: Int) -> SQL {
        """
        SELECT a.id AS alert_id, a.kind, \(raw: IncidentStatements.columns) FROM area_alerts a JOIN incidents i ON i.id = a.incident_id
        WHERE a.queued_at IS NULL AND a.due_at <= \(now) ORDER BY a.due_at, a.id LIMIT \(max(1, min(limit, 1000)))
        """
    }

    /// The next `chunk` numbers subscribed to any of the incident's areas after the last queued,
    /// each once, in their language (the one they chose last, else the one they subscribed in),
    /// into the outbox behind every reply (priority 1) and marked to wait out the quiet hours.
    static func queue(_ id: Int64, _ b: IncidentBroadcast, chunk: Int, at: Date) -> SQLFlow<AlertProgress?> {
        .run("""
            SELECT a.cursor, a.queued_at, i.areas FROM area_alerts a JOIN incidents i ON i.id = a.incident_id WHERE a.id = \(id)
            """ + SQL.forUpdate(of: "a")) { rows in
            guard let row = rows.first, try row.date("queued_at") == nil else { return .done(nil) }
            let areas = Incident.codes(try row.text(required: "areas")), cursor = try row.text("cursor") ?? ""
            return .run("""
                SELECT msisdn FROM alert_subscriptions WHERE area IN \(list: areas) AND msisdn > \(cursor)
                GROUP BY msisdn ORDER BY msisdn LIMIT \(max(1, chunk))
                """) { numbers in
                let finished = numbers.count < max(1, chunk)
                guard let last = try numbers.last?.text(required: "msisdn") else {
                    return .write(["UPDATE area_alerts SET queued_at = \(at) WHERE id = \(id)"], AlertProgress(queued: 0, done: true))
                }
                return .write([
                    """
                    INSERT INTO outbox (msisdn, body, priority, quiet, next_attempt_at, created_at, updated_at)
                    SELECT r.msisdn, \(body(b)), 1, \(true), \(at), \(at), \(at) FROM (
                        SELECT a.msisdn, COALESCE(MAX(s.language), MIN(a.language)) AS language FROM alert_subscriptions a
                        LEFT JOIN subscribers s ON s.msisdn = a.msisdn
                        WHERE a.area IN \(list: areas) AND a.msisdn > \(cursor) AND a.msisdn <= \(last) GROUP BY a.msisdn
                    ) r
                    """,
                    """
                    UPDATE area_alerts SET cursor = \(last), recipients = recipients + \(numbers.count), queued_at = \(finished ? at : nil) WHERE id = \(id)
                    """,
                ], AlertProgress(queued: numbers.count, done: finished))
            }
        }
    }

    /// Each recipient's body in their language, or the fallback's.
    static func body(_ b: IncidentBroadcast) -> SQL {
        var sql: SQL = "CASE r.language"
        for language in b.bodies.keys.sorted() where language != b.fallback {
            sql = sql + " WHEN \(language) THEN \(b.bodies[language] ?? "")"
        }
        return sql + " ELSE \(b.bodies[b.fallback] ?? "") END"
    }
}

extension AreaAlertStore where Self: SQLBacked {
    public func dueAlerts(now: Date, limit: Int) async throws -> [DueAreaAlert] {
        try await statements.read(AlertStatements.due(now: now, limit: limit)) {
            DueAreaAlert(id: try $0.integer(required: "alert_id"), kind: try $0.value("kind", as: AreaAlertKind.self), incident: try IncidentStatements.incident($0))
        }
    }

    public func queueAlert(_ id: Int64, _ bodies: IncidentBroadcast, chunk: Int, at: Date) async throws -> AlertProgress? {
        try await statements.run(AlertStatements.queue(id, bodies, chunk: chunk, at: at))
    }

    public func alertReach(areas: [String]) async throws -> Int {
        guard !areas.isEmpty else { return 0 }
        return try await statements.read("SELECT COUNT(DISTINCT msisdn) AS n FROM alert_subscriptions WHERE area IN \(list: areas)") { try $0.int("n") }.first ?? 0
    }

    public func areaAlerts(ofIncident id: Int64) async throws -> [AreaAlertRecord] {
        try await statements.read(AlertStatements.alerts(ofIncident: id), AlertStatements.alert)
    }

    public func publishedIncidents(closedSince: Date) async throws -> [Incident] {
        try await statements.read("""
            SELECT \(raw: IncidentStatements.columns) FROM incidents i WHERE i.status = 'open' OR i.closed_at >= \(closedSince)
            ORDER BY COALESCE(i.starts_at, i.created_at), i.id
            """, IncidentStatements.incident)
    }
}
