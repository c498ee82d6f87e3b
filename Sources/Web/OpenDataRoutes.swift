import Domain
import Foundation
import Gateway
import Hummingbird
import NIOCore

/// `GET /open-data/requests.csv`: every ticket without personal data (docs/open-data.md), public,
/// streamed batch by batch so a million rows never sit in memory.
struct OpenDataRoutes: Sendable {
    let source: any OpenDataSource
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
    }
}
