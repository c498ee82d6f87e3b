import ArgumentParser
import Foundation
import Gateway
import Logging
import Metrics
import Prometheus
import SMS
import ServiceLifecycle
import Web

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway's HTTP server.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on (CIVICGATE_HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (CIVICGATE_PORT, default 8080; 0 picks a free one).") var port: Int?

    func run() async throws {
        var c = try common.configuration()
        if let host { c.host = host }
        if let port { c.port = port }
        var logger = Logger(label: "civicgate")
        logger.logLevel = .info
        let wiring = try Wiring(c, logger: logger)
        let banner = "database \(c.database), SMS provider \(c.smsProvider)"
        let host = c.host
        let sweeper = SessionSweeper(gateway: wiring.gateway, retention: c.sessionRetentionMinutes * 60, logger: logger)
        let sender: OutboxSender
        do { sender = try wiring.sender(c, logger: logger) } catch { throw ValidationError("\(error)") }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let app = WebApp.application(
            wiring.web(registry: registry), configuration: WebConfiguration(host: c.host, port: c.port),
            services: [sweeper, sender], logger: logger,
            onServerRunning: { port in
                FileHandle.standardOutput.write(Data("civicgate listening on http://\(host):\(port) (\(banner))\n".utf8))
            })
        try await app.runService()
    }
}

/// Deletes USSD sessions nobody can resume or retry any more.
struct SessionSweeper: Service {
    let gateway: UssdGateway
    let retention: TimeInterval
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(60))
                if Task.isCancelled { return }
                do {
                    let n = try await gateway.sweepSessions(retention: retention)
                    if n > 0 { logger.info("swept expired USSD sessions", metadata: ["count": "\(n)"]) }
                } catch {
                    logger.error("session sweep failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
