import Domain
import FlowEngine
import Foundation
import Gateway
import Hummingbird
import NIOCore

/// `GET /open-data/requests.csv`: every ticket without personal data (docs/open-data.md), public,
/// streamed batch by batch so a million rows never sit in memory. `planned-works.ics` and
/// `incidents.json`: planned works and incidents, open or closed in the last week.
struct OpenDataRoutes: Sendable {
    let source: any OpenDataSource
    let incidents: any AreaAlertStore
    let engine: FlowEngine
    let catalogue: ServiceCatalogue
    let calendar: MunicipalCalendar
    let clock: any WallClock
    let limiter: RateLimiter
    let limits: RateLimits

    func register(on router: Router<WebContext>) {
        router.get("/open-data/requests.csv") { _, context in
            if let wait = await limiter.take(limits.openData, "open-data", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
            let csv = OpenDataCSV(catalogue: catalogue, calendar: calendar, now: clock.now())
            let source = self.source
            let body = ResponseBody { writer in
                _ = try await source.writeOpenData(csv) { chunk in try await writer.write(ByteBuffer(string: chunk)) }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                                   .contentDisposition: "attachment; filename=\"civicgate-requests.csv\"",
                                                   .cacheControl: "public, max-age=3600"], body: body)
        }
        router.get("/open-data/planned-works.ics") { request, context in
            try await feed(request, context) { feed, entries in
                Response(status: .ok, headers: [.contentType: "text/calendar; charset=utf-8", .cacheControl: "public, max-age=300"],
                         body: .init(byteBuffer: ByteBuffer(string: feed.calendar(entries, name: "City services: planned works and incidents"))))
            }
        }
        router.get("/open-data/incidents.json") { request, context in
            try await feed(request, context) { feed, entries in
                let encoder = JSONEncoder()
                encoder.dateEncodingStrategy = .iso8601
                encoder.outputFormatting = [.sortedKeys]
                let body = try encoder.encode(FeedDocument(generated_at: feed.now, incidents: entries))
                return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "public, max-age=300"],
                                body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
        }
    }

    struct FeedDocument: Encodable {
        var generated_at: Date
        var incidents: [IncidentFeed.Entry]
    }

    /// The feed's entries for `?area=` and `?service=` (codes of the catalogue; anything else is a 400).
    func feed(_ request: Request, _ context: WebContext, _ render: (IncidentFeed, [IncidentFeed.Entry]) throws -> Response) async throws -> Response {
        if let wait = await limiter.take(limits.feeds, "feeds", address: context.clientAddress) { return RateLimiter.tooMany(wait) }
        let area = request.uri.queryParameters.get("area"), service = request.uri.queryParameters.get("service")
        if let area, catalogue.area(area) == nil { return Self.badRequest("unknown area: use an area code of the catalogue") }
        if let service, catalogue.service(service) == nil { return Self.badRequest("unknown service: use a service code of the catalogue") }
        let now = clock.now()
        let names = engine.locales.locale(engine.locales.fallback).strings
        let feed = IncidentFeed(catalogue: catalogue, serviceName: { names["service.\($0)"] ?? $0 }, now: now)
        let incidents = try await self.incidents.publishedIncidents(closedSince: now.addingTimeInterval(-IncidentFeed.keptAfterClosing))
        return try render(feed, feed.entries(incidents, area: area, service: service))
    }

    static func badRequest(_ message: String) -> Response {
        Response(status: .badRequest, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
