import Domain
import FlowEngine
import Gateway
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// Where and how the HTTP server listens, and how it defends itself.
public struct WebConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Webhook bodies are small forms; anything larger is refused with 413.
    public var maxWebhookBytes: Int
    /// The bulk API's body: 20,000 rows of a ward walk-about fit well within this.
    public var maxBulkBytes = BulkReports.maxBytes
    /// A connection with no request in flight for this long is closed (slow-loris, idle sockets).
    public var idleTimeout: TimeAmount = .seconds(30)
    /// Request headers: no single field over 8 KiB, all of them under 32 KiB, at most 100.
    public var headerLimits = HTTP1Channel.Configuration.DecoderConfiguration(
        maxHeaderFieldSize: 8 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100)
    public var security = WebSecurity()
    /// Open311's `jurisdiction_id` (`CIVICGATE_OPEN311_JURISDICTION`): when set, another one is refused.
    public var open311Jurisdiction: String?

    public init(host: String = "127.0.0.1", port: Int = 8080, maxWebhookBytes: Int = 16 * 1024, security: WebSecurity = WebSecurity()) {
        self.host = host
        self.port = port
        self.maxWebhookBytes = maxWebhookBytes
        self.security = security
    }
}

/// What the routes serve.
public struct WebServices: Sendable {
    public var ussd: UssdGateway
    public var sms: SmsGateway?
    public var outbox: (any OutboxStore)?
    public var clock: any WallClock
    public var statistics: (any OperationalStatistics)?
    public var listing: (any RequestListing)?
    public var organisations: (any OrganisationPortal)?
    public var bulk: BulkReports?
    public var staff: (any StaffStore)?
    public var console: ConsoleSettings
    /// Where swift-metrics records (the process bootstraps it with this registry).
    public var registry: PrometheusCollectorRegistry
    /// Provider, inbound-traffic and disk alerts.
    public var health: OperationalHealth?
    /// Checks the signature in Kannel delivery-report URLs; nil refuses every Kannel report.
    public var deliverySignature: DeliverySignature?
    /// Per-address request allowances; nil: in this process's memory (one instance).
    public var buckets: (any RequestBuckets)?
    /// The daily rollup the dashboard and the indicators API read; nil: one made from `staff`.
    public var figures: FigureRollup?
    /// Areas' boundaries (`menus/areas.geojson`): an Open311 report with only a point finds its area.
    public var boundaries = AreaBoundaries()
    /// Adds MOEs' webhook subscriptions (their URLs checked); nil: the admin page only lists them.
    public var webhooks: WebhookDesk?

    public init(ussd: UssdGateway, sms: SmsGateway? = nil, outbox: (any OutboxStore)? = nil, clock: any WallClock,
                statistics: (any OperationalStatistics)? = nil, listing: (any RequestListing)? = nil,
                organisations: (any OrganisationPortal)? = nil, bulk: BulkReports? = nil,
                staff: (any StaffStore)? = nil, console: ConsoleSettings = ConsoleSettings(),
                registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), health: OperationalHealth? = nil,
                deliverySignature: DeliverySignature? = nil, buckets: (any RequestBuckets)? = nil) {
        self.buckets = buckets
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
        self.health = health
        self.deliverySignature = deliverySignature
    }
}

/// The HTTP application. Wiring only; each group of routes is in its own file.
public enum WebApp {
    public static func router(_ services: WebServices, configuration: WebConfiguration, logger: Logger) -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        let security = configuration.security
        let limiter = RateLimiter(buckets: services.buckets ?? MemoryBuckets(), clock: services.clock, logger: logger)
        router.middlewares.add(ClientAddressMiddleware(resolver: ClientAddressResolver(trustedProxies: security.trustedProxies)))
        router.middlewares.add(RequestMetrics())
        router.middlewares.add(SecurityHeaders(hsts: security.https))
        let engine = services.ussd.engine
        HealthRoutes(registry: services.registry, statistics: services.statistics, health: services.health, clock: services.clock,
                     metricsToken: security.metricsToken).register(on: router)
        if let listing = services.listing {
            Open311Routes(catalogue: engine.catalogue, locale: engine.locales.locale(engine.locales.fallback), listing: listing,
                          organisations: services.organisations, bulk: services.bulk, timeZone: engine.settings.calendar.timeZone,
                          limiter: limiter, limits: security.limits, boundaries: services.boundaries, jurisdiction: configuration.open311Jurisdiction,
                          staff: services.staff, engine: engine, clock: services.clock).register(on: router)
        }
        if services.staff != nil {
            router.get("/api/v1/openapi.json") { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "max-age=300"],
                         body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.json)))
            }
        }
        if let staff = services.staff {
            OpenDataRoutes(source: staff, incidents: staff, engine: engine, catalogue: engine.catalogue, calendar: engine.settings.calendar, clock: services.clock,
                           limiter: limiter, limits: security.limits).register(on: router)
            let figures = services.figures ?? FigureRollup(tickets: staff, store: staff, calendar: engine.settings.calendar,
                                                                  clock: services.clock, logger: logger)
            MOEApiRoutes(staff: staff, figures: figures, engine: engine, clock: services.clock, limiter: limiter, limits: security.limits).register(on: router)
            ConsoleRoutes(queue: staff, auditLog: staff, sessions: staff, accounts: staff, incidents: staff, alerts: staff, roster: staff, finder: staff, figures: figures, engine: engine, clock: services.clock, settings: services.console, logger: logger,
                          limiter: limiter, limits: security.limits, secureCookies: security.https,
                          portal: services.organisations, bulk: services.bulk, webhooks: services.webhooks, webhookStore: staff).register(on: router)
        }
        if let bulk = services.bulk, let organisations = services.organisations {
            BulkRoutes(bulk: bulk, organisations: organisations, audit: services.staff, maxBytes: configuration.maxBulkBytes, logger: logger,
                       limiter: limiter, limits: security.limits, clock: services.clock).register(on: router)
        }
        let webhookGuard = WebhookGuard(security: security, logger: logger)
        UssdRoutes(gateway: services.ussd, health: services.health, clock: services.clock, maxBytes: configuration.maxWebhookBytes, logger: logger)
            .register(on: router, guard: webhookGuard)
        if let sms = services.sms, let outbox = services.outbox {
            let reports = DeliveryReports(store: outbox, clock: services.clock)
            SMSRoutes(sms: sms, reports: reports, signature: services.deliverySignature, health: services.health, clock: services.clock,
                      maxBytes: configuration.maxWebhookBytes, logger: logger).register(on: router, guard: webhookGuard)
        }
        return router
    }

    public static func application(
        _ web: WebServices, configuration: WebConfiguration, services: [any Service] = [], logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(web, configuration: configuration, logger: logger),
            server: .http1(configuration: .init(idleTimeout: configuration.idleTimeout, httpDecoderConfiguration: configuration.headerLimits)),
            // Kannel's smsbox opens one connection per message: a burst needs a deep accept queue.
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "civicgate", backlog: 4096),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }
}
