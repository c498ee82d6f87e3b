import Domain
import FlowEngine
import Gateway
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// Where and how the HTTP server listens.
public struct WebConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Webhook bodies are small forms; anything larger is refused with 413.
    public var maxWebhookBytes: Int
    /// A ward walk-about of tens of thousands of rows fits well within this.
    public var maxBulkBytes = 64 * 1024 * 1024

    public init(host: String = "127.0.0.1", port: Int = 8080, maxWebhookBytes: Int = 16 * 1024) {
        self.host = host
        self.port = port
        self.maxWebhookBytes = maxWebhookBytes
    }
}

/// The HTTP application: aggregator webhooks and health. Wiring only; each route is in its own file.
/// What the routes serve.
public struct WebServices: Sendable {
    public var ussd: UssdGateway
    public var sms: SmsGateway?
    public var outbox: (any OutboxStore)?
    public var clock: any WallClock
    public var statistics: (any OperationalStatistics)?
    public var listing: (any RequestListing)?
    public var organisations: (any OrganisationStore)?
    public var bulk: BulkReports?
    public var staff: (any StaffStore)?
    public var console: ConsoleSettings
    /// Where swift-metrics records (the process bootstraps it with this registry).
    public var registry: PrometheusCollectorRegistry

    public init(ussd: UssdGateway, sms: SmsGateway? = nil, outbox: (any OutboxStore)? = nil, clock: any WallClock,
                statistics: (any OperationalStatistics)? = nil, listing: (any RequestListing)? = nil,
                organisations: (any OrganisationStore)? = nil, bulk: BulkReports? = nil,
                staff: (any StaffStore)? = nil, console: ConsoleSettings = ConsoleSettings(),
                registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.listing = listing
        self.organisations = organisations
        self.bulk = bulk
        self.staff = staff
        self.console = console
        self.ussd = ussd
        self.sms = sms
        self.outbox = outbox
        self.clock = clock
        self.statistics = statistics
        self.registry = registry
    }
}

public enum WebApp {
    public static func router(_ services: WebServices, configuration: WebConfiguration, logger: Logger) -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(SecurityHeaders())
        router.get("/healthz") { _, _ in "ok\n" }
        MetricsRoute(registry: services.registry, statistics: services.statistics).register(on: router)
        if let listing = services.listing {
            let engine = services.ussd.engine
            Open311Routes(catalogue: engine.catalogue, locale: engine.locales.locale(engine.locales.fallback), listing: listing,
                          organisations: services.organisations, bulk: services.bulk).register(on: router)
        }
        if let staff = services.staff {
            MOEApiRoutes(staff: staff, engine: services.ussd.engine, clock: services.clock).register(on: router)
            ConsoleRoutes(staff: staff, engine: services.ussd.engine, clock: services.clock, settings: services.console, logger: logger)
                .register(on: router)
        }
        if let bulk = services.bulk, let organisations = services.organisations {
            BulkRoutes(bulk: bulk, organisations: organisations, maxBytes: configuration.maxBulkBytes, logger: logger).register(on: router)
        }
        UssdRoutes(gateway: services.ussd, maxBytes: configuration.maxWebhookBytes, logger: logger).register(on: router)
        if let sms = services.sms, let outbox = services.outbox {
            let reports = DeliveryReports(store: outbox, clock: services.clock)
            SMSRoutes(sms: sms, reports: reports, maxBytes: configuration.maxWebhookBytes, logger: logger).register(on: router)
        }
        return router
    }

    public static func application(
        _ web: WebServices, configuration: WebConfiguration, services: [any Service] = [], logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(web, configuration: configuration, logger: logger),
            // Kannel's smsbox opens one connection per message: a burst needs a deep accept queue.
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "civicgate", backlog: 4096),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }
}
