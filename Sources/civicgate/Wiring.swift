import Domain
import FlowDefinitions
import FlowEngine
import Foundation
import Gateway
import Logging
import Prometheus
import SMS
import Store
import Web
#if canImport(Glibc)
import Glibc
#endif

/// Builds the gateway from configuration: definitions, database, clock, references, SMS.
struct Wiring {
    let definitions: Definitions
    let database: AppDatabase
    let gateway: UssdGateway
    let sms: SmsGateway?
    let outbox: SQLiteOutboxStore
    let organisations: SQLiteOrganisationStore
    let bulk: BulkReports
    let staff: SQLiteStaffStore
    let clock = SystemClock()
    let health: OperationalHealth
    /// Signs and checks Kannel delivery-report URLs; the key lives in the database.
    let deliverySignature: DeliverySignature

    init(_ c: GatewayConfiguration, logger: Logger) throws {
        definitions = try loadDefinitions(c)
        guard !c.database.hasPrefix("postgres://") && !c.database.hasPrefix("postgresql://") else {
            // The PostgreSQL store has its outbox and schema; the other ports are still being built.
            throw ConfigurationError.invalid("CIVICGATE_DATABASE", "postgres://…", "a SQLite file path: this version stores on SQLite only")
        }
        database = try AppDatabase.open(path: c.database)
        let references: @Sendable () -> Reference = {
            var generator = SystemRandomNumberGenerator()
            return Reference.random(using: &generator)
        }
        var engineSettings = FlowEngine.Settings()
        engineSettings.calendar = c.calendar
        let engine = definitions.engine(settings: engineSettings)
        let store = SQLiteConversationStore(database)
        gateway = UssdGateway(engine: engine, store: store, clock: clock, references: references,
                              settings: .init(resumeWindow: c.resumeMinutes * 60, maxReportsPerDay: c.maxReportsPerNumber), logger: logger)
        let clock = self.clock
        sms = definitions.smsEngine(calendar: c.calendar).map {
            SmsGateway(engine: $0, store: store, clock: clock, references: references, settings: .init(maxReportsPerDay: c.maxReportsPerNumber),
                       logger: logger)
        }
        outbox = SQLiteOutboxStore(database)
        organisations = SQLiteOrganisationStore(database)
        bulk = BulkReports(engine: engine, clock: clock, references: references)
        staff = SQLiteStaffStore(database, sla: definitions.catalogue.slaHours)
        try staff.storeMissingDueDates()
        var healthSettings = OperationalHealth.Settings()
        healthSettings.calendar = c.calendar
        healthSettings.quietInbound = c.quietInboundMinutes * 60
        let folder = URL(fileURLWithPath: c.database).deletingLastPathComponent().path
        health = OperationalHealth(settings: healthSettings, started: clock.now(), disk: { Self.diskSpace(folder) })
        deliverySignature = DeliverySignature(secret: try database.secret(named: "dlr-signing-key"))
    }

    func web(registry: PrometheusCollectorRegistry) -> WebServices {
        WebServices(ussd: gateway, sms: sms, outbox: outbox, clock: clock, statistics: SQLiteStatistics(database),
                    listing: SQLiteRequestListing(database), organisations: organisations, bulk: bulk,
                    staff: staff, registry: registry, health: health, deliverySignature: deliverySignature)
    }

    /// The provider named by CIVICGATE_SMS_PROVIDER, checked for what it needs.
    func provider(_ c: GatewayConfiguration, logger: Logger) throws -> any SMSProvider {
        func need(_ value: String?, _ name: String) throws -> String {
            guard let value else { throw ConfigurationError.invalid(name, "(unset)", "a value for the \(c.smsProvider) SMS provider") }
            return value
        }
        switch c.smsProvider {
        case "kannel":
            return KannelProvider(client: CurlClient(workers: 16), settings: .init(
                url: try need(c.smsURL, "CIVICGATE_SMS_URL"), username: try need(c.smsUsername, "CIVICGATE_SMS_USERNAME"),
                password: try need(c.smsPassword, "CIVICGATE_SMS_PASSWORD"), sender: c.smsSender,
                publicURL: c.publicURL ?? "http://\(c.host):\(c.port)", signature: deliverySignature, webhookToken: c.security.webhookToken))
        case "africastalking":
            return AfricasTalkingProvider(client: CurlClient(workers: 16), settings: .init(
                url: c.smsURL ?? "https://api.africastalking.com/version1/messaging",
                username: try need(c.smsUsername, "CIVICGATE_SMS_USERNAME"), apiKey: try need(c.smsAPIKey, "CIVICGATE_SMS_API_KEY"),
                sender: c.smsSender))
        default:
            return LogProvider(logger: logger)
        }
    }

    func sender(_ c: GatewayConfiguration, logger: Logger) throws -> OutboxSender {
        var settings = OutboxSender.Settings()
        settings.ratePerSecond = c.smsRate
        settings.retry = RetryPolicy(firstDelay: 2, cap: c.smsRetryCapSeconds, maxAttempts: c.smsMaxAttempts)
        settings.perNumberDailyCap = c.maxSMSPerNumber
        settings.calendar = c.calendar
        return OutboxSender(store: outbox, provider: try provider(c, logger: logger), clock: clock, settings: settings, logger: logger,
                            health: health)
    }

    /// Free and total bytes of the file system holding `folder`.
    static func diskSpace(_ folder: String) -> OperationalHealth.DiskSpace? {
        var s = statvfs()
        guard statvfs(folder, &s) == 0 else { return nil }
        let block = Int64(s.f_frsize)
        return .init(free: Int64(s.f_bavail) &* block, total: Int64(s.f_blocks) &* block)
    }
}
