import Gateway
import Hummingbird
import Logging
import ServiceLifecycle

/// Where and how the HTTP server listens.
public struct WebConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Webhook bodies are small forms; anything larger is refused with 413.
    public var maxWebhookBytes: Int

    public init(host: String = "127.0.0.1", port: Int = 8080, maxWebhookBytes: Int = 16 * 1024) {
        self.host = host
        self.port = port
        self.maxWebhookBytes = maxWebhookBytes
    }
}

/// The HTTP application: aggregator webhooks and health. Wiring only; each route is in its own file.
public enum WebApp {
    public static func router(gateway: UssdGateway, configuration: WebConfiguration, logger: Logger) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }
        UssdRoutes(gateway: gateway, maxBytes: configuration.maxWebhookBytes, logger: logger).register(on: router)
        return router
    }

    public static func application(
        gateway: UssdGateway, configuration: WebConfiguration, services: [any Service] = [], logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(gateway: gateway, configuration: configuration, logger: logger),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "civicgate"),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }
}
