import Gateway
import Hummingbird
import NIOCore
import Prometheus

/// `GET /metrics` in the Prometheus text format: request metrics recorded through swift-metrics
/// into `registry`, plus gauges read from the store at scrape time.
struct MetricsRoute: Sendable {
    let registry: PrometheusCollectorRegistry
    let statistics: (any OperationalStatistics)?

    func register(on router: Router<BasicRequestContext>) {
        router.get("/metrics") { _, _ in
            if let statistics {
                for reading in try await statistics.readings() {
                    registry.makeGauge(name: reading.name, labels: reading.labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
                        .set(Double(reading.value))
                }
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}
