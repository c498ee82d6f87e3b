import ArgumentParser
import Domain
import Foundation
import Gateway
import Logging
import Mail
import Metrics
import PostgresStore
import Prometheus
import SMS
import ServiceLifecycle
import Store
import Web

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway's HTTP server.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on (CIVICGATE_HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (CIVICGATE_PORT, default 8080; 0 picks a free one).") var port: Int?
    @Flag(help: "Serve webhooks without CIVICGATE_WEBHOOK_TOKEN on a non-loopback address (anyone could then file reports or send STOP as any number).")
    var allowUnauthenticatedWebhooks = false

    func run() async throws {
        var c = try common.configuration()
        if let host { c.host = host }
        if let port { c.port = port }
        guard (0...65535).contains(c.port) else { throw ValidationError("--port must be 0-65535") }
        // The same lines as swift-log's default handler, without its work on every request (see the type).
        LoggingSystem.bootstrap { LineLogHandler(label: $0) }
        var logger = Logger(label: "civicgate")
        logger.logLevel = .info
        if c.security.webhookToken == nil, let exposure = Self.exposure(c) {
            guard allowUnauthenticatedWebhooks else {
                FileHandle.standardError.write(Data("""
                    civicgate: refusing to serve webhooks without authentication: \(exposure).
                    Set CIVICGATE_WEBHOOK_TOKEN (16+ letters/digits) and add token=<value> to the callback URLs at your
                    aggregator and in Kannel. A reverse proxy in front does not authenticate anybody: it forwards
                    strangers' requests as its own. --allow-unauthenticated-webhooks overrides this.

                    """.utf8))
                throw ExitCode(2)
            }
            logger.warning("webhooks are served without CIVICGATE_WEBHOOK_TOKEN (\(exposure)): anyone can file reports as any number")
        }
        // The console's templates are compiled in: a broken one stops here, naming it, not on a request.
        do { try ConsoleTemplates.check() } catch { throw ValidationError("the console's templates do not parse: \(error)") }
        let wiring = try await Wiring.make(c, logger: logger)
        if PostgresAppDatabase.Address(c.database) == nil && !WriterPriority.mayRaise() {
            logger.notice("""
                the database writer commits tickets at normal priority: allow nice \(WriterPriority.raised) (LimitNICE=\(WriterPriority.raised) \
                or CAP_SYS_NICE) for shorter waits on a busy machine (docs/performance.md)
                """)
        }
        let banner = "database \(PostgresAppDatabase.Address(c.database)?.redacted ?? c.database), SMS provider \(c.smsProvider)"
        let host = c.host
        let gateway = wiring.gateway, retention = c.sessionRetentionMinutes * 60
        let sms = wiring.sms
        let offers = PeriodicJob(name: "filed SMS reports whose \"already reported\" offer went unanswered", every: .seconds(60), logger: logger) {
            try await sms?.fileUnansweredOffers() ?? 0
        }
        let sweeper = PeriodicJob(name: "swept expired USSD sessions", every: .seconds(60), logger: logger) {
            try await gateway.sweepSessions(retention: retention)
        }
        let escalation = EscalationJob(tickets: wiring.staff, dispatch: wiring.staff, engine: gateway.engine, clock: wiring.clock)
        let surveys = SurveyJob(store: wiring.staff, engine: gateway.engine, clock: wiring.clock, delay: c.surveyDelayMinutes * 60)
        let surveyor = PeriodicJob(name: "asked reporters of resolved tickets how well they were handled", every: .seconds(60), logger: logger) {
            try await surveys.run()
        }
        let areaAlerts = AreaAlertJob(store: wiring.staff, engine: gateway.engine, clock: wiring.clock)
        let alerter = PeriodicJob(name: "queued area alerts of planned works and incidents", every: .seconds(2), logger: logger) {
            try await areaAlerts.run()
        }
        let escalator = PeriodicJob(name: "escalated tickets past their service-level targets", every: .seconds(60), logger: logger) {
            try await escalation.run()
        }
        let rollup = FigureRollup(tickets: wiring.staff, store: wiring.staff, calendar: gateway.engine.settings.calendar, clock: wiring.clock,
                                  logger: logger)
        let figures = PeriodicJob(name: "made the daily figures of changed days again", every: .seconds(60), logger: logger) {
            try await rollup.refresh()
        }
        let purge: Purge
        do { purge = try wiring.purge(c) } catch { throw ValidationError("\(error)") }
        // One instance at a time: the one holding the lease for the next six hours.
        let instance = UUID().uuidString
        let purger = PeriodicJob(name: "purged personal data past its retention", every: .seconds(6 * 3600), logger: logger) {
            try await purge.runIfLeased(holder: instance, period: 6 * 3600 - 60)
        }
        let sender: OutboxSender
        do { sender = try wiring.sender(c, logger: logger) } catch { throw ValidationError("\(error)") }
        let webhooks = wiring.webhookSender(c, logger: logger)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        if let database = wiring.stores.embedded { WriterFigures.record(database, into: registry) }
        var services = wiring.web(registry: registry)
        services.figures = rollup
        services.webhooks = WebhookDesk(store: wiring.staff, policy: c.webhookTargets, resolver: SystemResolver(), catalogue: wiring.definitions.catalogue,
                                        clock: wiring.clock)
        var web = WebConfiguration(host: c.host, port: c.port, security: c.security)
        web.open311Jurisdiction = c.open311Jurisdiction
        let app = WebApp.application(
            services, configuration: web,
            services: [offers, sweeper, escalator, alerter, surveyor, figures, purger, sender, webhooks, MailSender(mailbox: wiring.staff, settings: c.smtp, clock: wiring.clock, logger: logger)], logger: logger,
            onServerRunning: { port in
                FileHandle.standardOutput.write(Data("civicgate listening on http://\(host):\(port) (\(banner))\n".utf8))
            })
        // Stopped, however: sessions that only moved since the last save round go to disk too.
        do {
            try await app.runService()
        } catch {
            try? await wiring.stores.conversations.saveHeldSessions()
            throw error
        }
        try await wiring.stores.conversations.saveHeldSessions()
    }
}

extension Serve {
    /// 127.0.0.0/8, ::1 and localhost: only this machine can reach the server.
    /// Why webhooks on this configuration are reachable by strangers, if they are: a public bind,
    /// a trusted proxy (it forwards the internet), or an https public URL (something fronts it).
    static func exposure(_ c: GatewayConfiguration) -> String? {
        if !isLoopback(c.host) { return "listening on \(c.host)" }
        if !c.security.trustedProxies.isEmpty { return "CIVICGATE_TRUSTED_PROXIES is set, so a proxy forwards requests from the internet" }
        if c.security.https { return "CIVICGATE_PUBLIC_URL is https, so the gateway is reached from the internet" }
        return nil
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || CIDR("127.0.0.0/8")!.contains(host)
    }
}

/// Background work done every so often (the session sweep, escalation), logging what it did and
/// any failure; stops with the server.
struct PeriodicJob: Service {
    let name: String
    let every: Duration
    let logger: Logger
    let work: @Sendable () async throws -> Int

    init(name: String, every: Duration, logger: Logger, work: @escaping @Sendable () async throws -> Int) {
        self.name = name
        self.every = every
        self.logger = logger
        self.work = work
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: every)
                if Task.isCancelled { return }
                do {
                    let n = try await work()
                    if n > 0 { logger.info("\(name)", metadata: ["count": "\(n)"]) }
                } catch where Task.isCancelled {
                    return
                } catch {
                    logger.error("\(name): failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
