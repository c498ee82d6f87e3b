import Domain
import FlowDefinitions
import Foundation
import Gateway
import Logging
import Prometheus
import SMS
import Store
import Web

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

    init(_ c: GatewayConfiguration, logger: Logger) throws {
        definitions = try loadDefinitions(c)
        database = try AppDatabase.open(path: c.database)
        let references: @Sendable () -> Reference = {
            var generator = SystemRandomNumberGenerator()
            return Reference.random(using: &generator)
        }
        let store = SQLiteConversationStore(database)
        gateway = UssdGateway(engine: definitions.engine(), store: store, clock: clock, references: references,
                              settings: .init(resumeWindow: c.resumeMinutes * 60), logger: logger)
        let clock = self.clock
        sms = definitions.smsEngine().map { SmsGateway(engine: $0, store: store, clock: clock, references: references, logger: logger) }
        outbox = SQLiteOutboxStore(database)
        organisations = SQLiteOrganisationStore(database)
        bulk = BulkReports(engine: definitions.engine(), clock: clock, references: references)
        staff = SQLiteStaffStore(database, sla: definitions.catalogue.slaHours)
    }

    func web(registry: PrometheusCollectorRegistry) -> WebServices {
        WebServices(ussd: gateway, sms: sms, outbox: outbox, clock: clock, statistics: SQLiteStatistics(database),
                    listing: SQLiteRequestListing(database), organisations: organisations, bulk: bulk,
                    staff: staff, registry: registry)
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
                publicURL: c.publicURL ?? "http://\(c.host):\(c.port)"))
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
        return OutboxSender(store: outbox, provider: try provider(c, logger: logger), clock: clock, settings: settings, logger: logger)
    }
}
