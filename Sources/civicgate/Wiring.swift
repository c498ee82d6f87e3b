import Domain
import FlowDefinitions
import FlowEngine
import Foundation
import Gateway
import Logging
import Persistence
import PostgresStore
import Prometheus
import SMS
import Store
import Web
#if canImport(Glibc)
import Glibc
#endif

/// The stores behind the ports, on SQLite (a file path) or PostgreSQL (a `postgres://` URL).
struct Stores {
    var conversations: any ConversationStore
    var outbox: any OutboxStore
    var organisations: any OrganisationPortal
    var staff: any StaffStore
    var listing: any RequestListing
    var statistics: any OperationalStatistics
    /// Signs Kannel delivery-report URLs; the key is kept in the database, so every instance agrees.
    var deliveryKey: [UInt8]
    /// The folder of a local database file, for the disk alert.
    var folder: String?
    /// Per-address request allowances shared by every instance (nil: in memory, one instance).
    var buckets: (any RequestBuckets)? = nil
    /// Purging personal data past its retention, and data-subject requests.
    var retention: any RetentionStore & SubjectStore
    /// The embedded database, for its writer's figures (`WriterFigures`); nil on PostgreSQL.
    var embedded: AppDatabase? = nil

    static func open(_ c: GatewayConfiguration, levels: ServiceLevels, logger: Logger) async throws -> Stores {
        if let address = PostgresAppDatabase.Address(c.database) {
            let database = PostgresAppDatabase(address, logger: logger)
            // The pool works while this runs: for the life of the process.
            Task { await database.run() }
            do {
                try await database.migrate(within: .seconds(15))
            } catch {
                throw ConfigurationError.invalid("CIVICGATE_DATABASE", address.redacted, "a PostgreSQL server that answers (\(error))")
            }
            let retention = PostgresRetentionStore(database)
            try await keepStreetNumbers(retention, logger: logger)
            return Stores(conversations: PostgresConversationStore(database), outbox: PostgresOutboxStore(database, lease: c.outboxLeaseSeconds),
                          organisations: PostgresOrganisationStore(database), staff: PostgresStaffStore(database),
                          listing: PostgresRequestListing(database), statistics: PostgresStatistics(database),
                          deliveryKey: try await database.secret(named: "dlr-signing-key"), folder: nil,
                          buckets: PostgresRequestBuckets(database), retention: retention)
        }
        guard !c.database.hasPrefix("postgres://") && !c.database.hasPrefix("postgresql://") else {
            throw ConfigurationError.invalid("CIVICGATE_DATABASE", "postgres://…", "postgres://user:password@host:port/database")
        }
        let database = try AppDatabase.open(path: c.database)
        let staff = SQLiteStaffStore(database, levels: levels)
        try staff.storeMissingDueDates()
        let retention = SQLiteRetentionStore(database)
        try await keepStreetNumbers(retention, logger: logger)
        return Stores(conversations: SQLiteConversationStore(database), outbox: SQLiteOutboxStore(database),
                      organisations: SQLiteOrganisationStore(database), staff: staff, listing: SQLiteRequestListing(database),
                      statistics: SQLiteStatistics(database), deliveryKey: try database.secret(named: "dlr-signing-key"),
                      folder: URL(fileURLWithPath: c.database).deletingLastPathComponent().path, retention: retention, embedded: database)
    }

    /// The street number of every ticket filed before it was kept (`StreetNumbers`), before a report is compared.
    static func keepStreetNumbers(_ store: any SQLBacked, logger: Logger) async throws {
        let read = try await StreetNumbers.fill(store.statements)
        if read > 0 { logger.info("street numbers kept", metadata: ["tickets": "\(read)"]) }
    }
}

/// Builds the gateway from configuration: definitions, stores, clock, references, SMS.
struct Wiring {
    let definitions: Definitions
    let stores: Stores
    let gateway: UssdGateway
    let sms: SmsGateway?
    let bulk: BulkReports
    let clock = SystemClock()
    let health: OperationalHealth
    let deliverySignature: DeliverySignature
    /// Numbers past their retention, or erased, become these (`CIVICGATE_PSEUDONYM_KEY_FILE`).
    let pseudonyms: Pseudonyms

    var organisations: any OrganisationPortal { stores.organisations }
    var staff: any StaffStore { stores.staff }

    /// `usesKey: false` for verbs that pseudonymise nothing (accounts, tokens, organisations): on
    /// PostgreSQL they run without `CIVICGATE_PSEUDONYM_KEY_FILE`, with a key of their own that is never kept.
    static func make(_ c: GatewayConfiguration, logger: Logger, usesKey: Bool = true) async throws -> Wiring {
        let definitions = try loadDefinitions(c)
        let pseudonyms = Pseudonyms(key: usesKey || PseudonymKeyFile.path(c) != nil ? try PseudonymKeyFile.load(c) : PseudonymKeyFile.unkept())
        return Wiring(c, definitions: definitions, stores: try await Stores.open(c, levels: definitions.catalogue.serviceLevels(timeZone: c.calendar.timeZone), logger: logger),
                      pseudonyms: pseudonyms, logger: logger)
    }

    init(_ c: GatewayConfiguration, definitions: Definitions, stores: Stores, pseudonyms: Pseudonyms, logger: Logger) {
        self.pseudonyms = pseudonyms
        self.definitions = definitions
        self.stores = stores
        let references: @Sendable () -> Reference = {
            var generator = SystemRandomNumberGenerator()
            return Reference.random(using: &generator)
        }
        var engineSettings = FlowEngine.Settings()
        engineSettings.calendar = c.calendar
        let engine = definitions.engine(settings: engineSettings)
        let clock = self.clock
        gateway = UssdGateway(engine: engine, store: stores.conversations, clock: clock, references: references,
                              settings: .init(resumeWindow: c.resumeMinutes * 60, maxReportsPerDay: c.maxReportsPerNumber, pseudonyms: pseudonyms),
                              logger: logger)
        sms = definitions.smsEngine(calendar: c.calendar).map {
            SmsGateway(engine: $0, store: stores.conversations, clock: clock, references: references,
                       settings: .init(maxReportsPerDay: c.maxReportsPerNumber, retention: definitions.retention, pseudonyms: pseudonyms), logger: logger)
        }
        bulk = BulkReports(engine: engine, clock: clock, references: references)
        var healthSettings = OperationalHealth.Settings()
        healthSettings.calendar = c.calendar
        healthSettings.quietInbound = c.quietInboundMinutes * 60
        let folder = stores.folder
        health = OperationalHealth(settings: healthSettings, started: clock.now(), disk: { folder.flatMap(Self.diskSpace) })
        deliverySignature = DeliverySignature(secret: stores.deliveryKey)
    }

    func web(registry: PrometheusCollectorRegistry) -> WebServices {
        var services = WebServices(ussd: gateway, sms: sms, outbox: stores.outbox, clock: clock, statistics: stores.statistics,
                                   listing: stores.listing, organisations: stores.organisations, bulk: bulk,
                                   staff: stores.staff, registry: registry, health: health, deliverySignature: deliverySignature, buckets: stores.buckets)
        services.boundaries = definitions.boundaries
        return services
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

    /// Delivers MOEs' webhooks: pinned to checked addresses, ten seconds a request.
    func webhookDispatch(_ c: GatewayConfiguration, logger: Logger) -> WebhookDispatch {
        var timeouts = CurlClient.Timeouts()
        timeouts.connectMilliseconds = 5_000
        timeouts.totalMilliseconds = 10_000
        return WebhookDispatch(store: stores.staff, poster: CurlWebhookPoster(client: CurlClient(workers: 8, timeouts: timeouts)), resolver: SystemResolver(),
                               policy: c.webhookTargets, clock: clock, timeZone: c.calendar.timeZone, health: health, logger: logger)
    }

    func webhookSender(_ c: GatewayConfiguration, logger: Logger) -> WebhookSender {
        WebhookSender(dispatch: webhookDispatch(c, logger: logger), store: stores.staff, clock: clock, ratePerSecond: c.webhookRate, logger: logger)
    }

    func sender(_ c: GatewayConfiguration, logger: Logger) throws -> OutboxSender {
        var settings = OutboxSender.Settings()
        settings.ratePerSecond = c.smsRate
        settings.retry = RetryPolicy(firstDelay: 2, cap: c.smsRetryCapSeconds, maxAttempts: c.smsMaxAttempts)
        settings.perNumberDailyCap = c.maxSMSPerNumber
        settings.perCrewNumberDailyCap = c.maxSMSPerCrewNumber
        settings.pseudonyms = pseudonyms
        settings.calendar = c.calendar
        settings.claimRenewal = c.outboxLeaseSeconds / 3
        return OutboxSender(store: stores.outbox, provider: try provider(c, logger: logger), clock: clock, settings: settings, logger: logger,
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

extension Wiring {
    /// The purge of personal data past its retention.
    func purge(_ c: GatewayConfiguration) throws -> Purge {
        Purge(store: stores.retention, audit: stores.staff, policy: definitions.retention, pseudonyms: pseudonyms, clock: clock)
    }
}
