import Domain
import Foundation
import Gateway
import Hummingbird
import NIOCore
import Prometheus

/// `GET /healthz` (public: "ok"), `GET /healthz?detail=1` (alerts as JSON) and `GET /metrics`
/// (Prometheus text). The last two are for staff: with `CIVICGATE_METRICS_TOKEN` set they need it
/// as a Bearer token; without it only a direct loopback peer with no forwarding header is answered.
struct HealthRoutes: Sendable {
    let registry: PrometheusCollectorRegistry
    let statistics: (any OperationalStatistics)?
    let health: OperationalHealth?
    let clock: any WallClock
    let metricsToken: String?

    func register(on router: Router<WebContext>) {
        router.get("/healthz") { request, context in
            guard request.uri.queryParameters["detail"] != nil else { return Plain.ok("ok\n") }
            guard allowed(request, context) else { return refused() }
            return detail()
        }
        router.get("/metrics") { request, context in
            guard allowed(request, context) else { return refused() }
            var readings = try await statistics?.readings(now: clock.now()) ?? []
            readings += health?.readings(now: clock.now()) ?? []
            for reading in readings {
                registry.makeGauge(name: reading.name, labels: reading.labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
                    .set(Double(reading.value))
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    func allowed(_ request: Request, _ context: WebContext) -> Bool {
        guard let metricsToken else { return context.isDirectLoopback }
        guard let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") else { return false }
        return ConstantTime.equal(String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces), metricsToken)
    }

    func refused() -> Response {
        var response = Plain.response(.unauthorized, "unauthorized: send Authorization: Bearer <CIVICGATE_METRICS_TOKEN>\n")
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }

    struct Detail: Encodable {
        var status: String
        var alerts: [OperationalHealth.Alert]
    }

    func detail() -> Response {
        let alerts = health?.alerts(now: clock.now()) ?? []
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(Detail(status: alerts.isEmpty ? "ok" : "alert", alerts: alerts))) ?? Data()
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
