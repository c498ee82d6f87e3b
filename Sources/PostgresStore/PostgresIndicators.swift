import Domain
import Foundation
import Gateway
import PostgresNIO

extension PostgresStaffStore {
    public func indicatorTickets(moe: String?, from: Date, to: Date) async throws -> [IndicatorTicket] {
        var out: [IndicatorTicket] = []
        for try await row in try await client.query("""
            SELECT t.created_at,
                   (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.from_status = 'new' AND e.to_status <> 'new'),
                   (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'status' AND e.to_status IN ('resolved', 'closed')),
                   t.acknowledge_due_at, t.due_at,
                   EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'reopened'),
                   (SELECT string_agg(s.rating::TEXT, ',') FROM surveys s WHERE s.ticket_id = t.id AND s.rating BETWEEN 1 AND 5),
                   t.status IN ('duplicate', 'rejected'), t.channel, t.service, t.area, t.moe
            FROM tickets t WHERE (\(moe)::TEXT IS NULL OR t.moe = \(moe)) AND t.created_at >= \(from) AND t.created_at < \(to)
            """, logger: logger) {
            let (created, ack, resolved, ackDue, due, reopened, ratings, without, channel, service, area, ticketMOE) =
                try row.decode((Date, Date?, Date?, Date?, Date?, Bool, String?, Bool, String, String, String, String).self)
            var t = IndicatorTicket(createdAt: created, acknowledgedAt: ack, resolvedAt: resolved, acknowledgeDueAt: ackDue, dueAt: due,
                                    reopened: reopened, ratings: (ratings ?? "").split(separator: ",").compactMap { Int($0) },
                                    closedWithoutResolution: without)
            (t.channel, t.service, t.area, t.moe) = (channel, service, area, ticketMOE)
            out.append(t)
        }
        return out
    }

    public func openAges(moe: String?, service: String?, area: String?, now: Date) async throws -> [Int] {
        let cuts = OpenAges.bounds.map { now.addingTimeInterval(-$0) }
        var out = [0, 0, 0, 0, 0]
        for try await (a, b, c, d, e) in try await client.query("""
            SELECT COUNT(*) FILTER (WHERE created_at >= \(cuts[0]))::BIGINT,
                   COUNT(*) FILTER (WHERE created_at < \(cuts[0]) AND created_at >= \(cuts[1]))::BIGINT,
                   COUNT(*) FILTER (WHERE created_at < \(cuts[1]) AND created_at >= \(cuts[2]))::BIGINT,
                   COUNT(*) FILTER (WHERE created_at < \(cuts[2]) AND created_at >= \(cuts[3]))::BIGINT,
                   COUNT(*) FILTER (WHERE created_at < \(cuts[3]))::BIGINT
            FROM tickets WHERE status = ANY(\(WorklistQuery.open.map(\.rawValue))) AND (\(moe)::TEXT IS NULL OR moe = \(moe))
              AND (\(service)::TEXT IS NULL OR service = \(service)) AND (\(area)::TEXT IS NULL OR area = \(area))
            """, logger: logger).decode((Int64, Int64, Int64, Int64, Int64).self) {
            out = [a, b, c, d, e].map { Int($0) }
        }
        return out
    }
}
