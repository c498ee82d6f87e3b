import Domain
import Foundation
import Gateway
import TestSupport
import Testing

/// How long queuing an incident's broadcast to 50,000 numbers takes, on each store. A figure for
/// the notes, not a pass mark: it runs only with CIVICGATE_BENCH=1 (scripts/bench-broadcast.sh).
@Suite struct BroadcastBenchmark {
    static let enabled = ProcessInfo.processInfo.environment["CIVICGATE_BENCH"] == "1"

    @Test(.enabled(if: enabled), arguments: StoreKind.available)
    func aBroadcastTo50000NumbersIsQueuedInSeconds(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let incident = try await w.staff.declare(IncidentDraft(service: "electricity", areas: ["soweto"], description: "Substation tripped"),
                                                     moe: "electricity", actor: "bench", address: nil, at: w.now)
            let languages = "CASE n % 7 WHEN 0 THEN 'en' WHEN 1 THEN 'zu' WHEN 2 THEN 'xh' WHEN 3 THEN 'af' WHEN 4 THEN 'nso' WHEN 5 THEN 'st' ELSE 'tn' END"
            switch kind {
            case .sqlite:
                try await w.execute("""
                    WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 50000)
                    INSERT INTO incident_residents (incident_id, msisdn, language, channel, attached_at)
                    SELECT \(incident.id), '+2783' || printf('%07d', n), \(languages), 'ussd', '2026-11-30 10:00:00.000' FROM s
                    """)
            case .postgres:
                try await w.execute("""
                    INSERT INTO incident_residents (incident_id, msisdn, language, channel, attached_at)
                    SELECT \(incident.id), '+2783' || lpad(n::TEXT, 7, '0'), \(languages), 'ussd', now() FROM generate_series(1, 50000) n
                    """)
            }
            let closing = IncidentDraft(description: "Power is back in Soweto.")
            let news = IncidentNews(engine: w.engine).broadcast(IncidentRules.applying(closing, to: incident), closing: true)
            let started = ContinuousClock.now
            _ = try await w.staff.changeIncident(incident.id, moe: "electricity", closing, closing: true, broadcast: news, actor: "bench", address: nil, at: w.now)
            let took = ContinuousClock.now - started
            let zulu = try await w.organisations.outbox(MSISDN("+27830000001")!)
            #expect(zulu == [news.bodies["zu"]!])
            print("broadcast bench (\(kind.rawValue)): 50000 numbers queued in \(took)")
        }
    }
}
