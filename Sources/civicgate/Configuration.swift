import Domain
import Foundation
import Gateway
import Mail
import Web

/// Everything the gateway is configured with, read once from the environment in `main` and passed
/// down. Command-line flags override the environment; the defaults run with no configuration.
struct GatewayConfiguration: Sendable {
    var database = "./civicgate.sqlite"
    /// The key that turns phone numbers past their retention into pseudonyms (`CIVICGATE_PSEUDONYM_KEY_FILE`):
    /// a file apart from the database, made on first use; every instance on one PostgreSQL database must share it.
    var pseudonymKeyFile: String?
    var host = "127.0.0.1"
    var port = 8080
    var smsProvider = "log"
    var smsURL: String?
    var smsUsername: String?
    var smsPassword: String?
    var smsAPIKey: String?
    var smsSender: String?
    var menus = "./menus"
    var locales = "./locales"
    /// Minutes after a dropped report in which a redial offers to continue it.
    var resumeMinutes = 5.0
    /// Sessions untouched this long are deleted.
    var sessionRetentionMinutes = 60.0
    /// Our base URL as the SMS provider reaches it (delivery reports); default from host and port.
    var publicURL: String?
    /// Open311's jurisdiction_id (`CIVICGATE_OPEN311_JURISDICTION`); when set, another one is refused.
    var open311Jurisdiction: String?
    /// Outbox throttle, messages per second.
    var smsRate = 50.0
    var smsMaxAttempts = 6
    /// The longest wait between two tries of one message.
    var smsRetryCapSeconds = 300.0
    /// Webhook token, allow-list, trusted proxies, metrics token, https.
    var security = WebSecurity()
    /// Reports one number may make by USSD and SMS per municipal day.
    var maxReportsPerNumber = 10
    /// SMS to one number per municipal day; the rest are held until the next day.
    var maxSMSPerNumber = 20
    /// SMS to one crew member's work number per day (job cards and replies).
    var maxSMSPerCrewNumber = 200
    var calendar = MunicipalCalendar()
    /// PostgreSQL: how long a sender's claim on a message lasts before another instance may take it
    /// (renewed every third of it while the batch is sent: a dead instance's messages go out within a minute).
    var outboxLeaseSeconds = 45.0
    /// How long after a resolution each reporter is asked how well it was handled.
    var surveyDelayMinutes = 60.0
    /// Where escalation e-mail goes (`CIVICGATE_SMTP_URL`, `CIVICGATE_SMTP_FROM`); nil: no e-mail.
    var smtp: SMTPSettings?
    /// No inbound USSD or SMS for this long in working hours raises an alert.
    var quietInboundMinutes = 60.0
    /// Where MOEs' webhooks may go: plain http only to the hosts in `CIVICGATE_WEBHOOK_ALLOW_HTTP`,
    /// private and loopback addresses only in the networks of `CIVICGATE_WEBHOOK_ALLOW_PRIVATE`.
    var webhookTargets = WebhookTargetPolicy()
    /// Webhook messages sent per second at most, across this instance's subscriptions.
    var webhookRate = 100.0

    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> GatewayConfiguration {
        var c = GatewayConfiguration()
        func value(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let v = value("CIVICGATE_DATABASE") { c.database = v }
        c.pseudonymKeyFile = value("CIVICGATE_PSEUDONYM_KEY_FILE")
        if let v = value("CIVICGATE_HOST") { c.host = v }
        if let v = value("CIVICGATE_PORT") {
            guard let port = Int(v), (0...65535).contains(port) else { throw .invalid("CIVICGATE_PORT", v, "a port number 0-65535") }
            c.port = port
        }
        if let v = value("CIVICGATE_SMS_PROVIDER") {
            guard ["log", "kannel", "africastalking"].contains(v) else { throw .invalid("CIVICGATE_SMS_PROVIDER", v, "log, kannel or africastalking") }
            c.smsProvider = v
        }
        c.smsURL = value("CIVICGATE_SMS_URL")
        c.smsUsername = value("CIVICGATE_SMS_USERNAME")
        c.smsPassword = value("CIVICGATE_SMS_PASSWORD")
        c.smsAPIKey = value("CIVICGATE_SMS_API_KEY")
        c.smsSender = value("CIVICGATE_SMS_SENDER")
        if let v = value("CIVICGATE_MENUS") { c.menus = v }
        if let v = value("CIVICGATE_OPEN311_JURISDICTION") {
            guard (1...100).contains(v.count), v.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                throw .invalid("CIVICGATE_OPEN311_JURISDICTION", v, "a domain-like name such as joburg.gov.za (letters, digits, '-', '_', '.')")
            }
            c.open311Jurisdiction = v
        }
        if let v = value("CIVICGATE_LOCALES") { c.locales = v }
        if let v = value("CIVICGATE_PUBLIC_URL") {
            guard let url = URL(string: v), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw .invalid("CIVICGATE_PUBLIC_URL", v, "an http or https URL such as https://civicgate.example.gov.za")
            }
            c.publicURL = v.hasSuffix("/") ? String(v.dropLast()) : v
            c.security.https = url.scheme?.lowercased() == "https"
        }
        if let v = value("CIVICGATE_WEBHOOK_TOKEN") {
            guard v.count >= 16, v.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.~".contains($0)) }) else {
                throw .invalid("CIVICGATE_WEBHOOK_TOKEN", "(hidden)", "at least 16 letters, digits, '-', '_', '.' or '~' (it travels in URLs)")
            }
            c.security.webhookToken = v
        }
        c.security.metricsToken = value("CIVICGATE_METRICS_TOKEN")
        for (name, keyPath) in [("CIVICGATE_WEBHOOK_ALLOW", \WebSecurity.webhookAllow), ("CIVICGATE_TRUSTED_PROXIES", \WebSecurity.trustedProxies)] {
            if let v = value(name) {
                switch CIDR.list(v) {
                case .success(let list): c.security[keyPath: keyPath] = list
                case .failure(let e): throw .invalid(name, e.entry, "comma-separated addresses or networks, e.g. 127.0.0.1/32,10.0.0.0/8")
                }
            }
        }
        if let v = value("CIVICGATE_WEBHOOK_ALLOW_HTTP") {
            let hosts = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
            if let bad = hosts.first(where: { h in h.contains("/") || h.contains(" ") || h.contains("@") }) {
                throw .invalid("CIVICGATE_WEBHOOK_ALLOW_HTTP", bad, "comma-separated host names or addresses as written in the URLs, e.g. receiver.internal,127.0.0.1")
            }
            c.webhookTargets.httpHosts = Set(hosts.map { $0.hasPrefix("[") && $0.hasSuffix("]") ? String($0.dropFirst().dropLast()) : $0 })
        }
        if let v = value("CIVICGATE_WEBHOOK_RATE") {
            guard let r = Double(v), (1...100_000).contains(r) else { throw .invalid("CIVICGATE_WEBHOOK_RATE", v, "messages per second, 1 to 100000") }
            c.webhookRate = r
        }
        if let v = value("CIVICGATE_WEBHOOK_ALLOW_PRIVATE") {
            switch CIDR.list(v) {
            case .success(let list): c.webhookTargets.allowedNetworks = list
            case .failure(let e): throw .invalid("CIVICGATE_WEBHOOK_ALLOW_PRIVATE", e.entry, "comma-separated networks, e.g. 10.20.0.0/16,127.0.0.1/32")
            }
        }
        if let v = value("CIVICGATE_TIME_ZONE") {
            guard let calendar = MunicipalCalendar(identifier: v) else { throw .invalid("CIVICGATE_TIME_ZONE", v, "a time zone name such as Africa/Johannesburg") }
            c.calendar = calendar
        }
        for (name, keyPath) in [("CIVICGATE_MAX_REPORTS_PER_NUMBER", \GatewayConfiguration.maxReportsPerNumber),
                                ("CIVICGATE_MAX_SMS_PER_NUMBER", \GatewayConfiguration.maxSMSPerNumber),
                                ("CIVICGATE_MAX_SMS_PER_CREW_NUMBER", \GatewayConfiguration.maxSMSPerCrewNumber)] {
            if let v = value(name) {
                guard let n = Int(v), (1...100_000).contains(n) else { throw .invalid(name, v, "a whole number from 1 to 100000") }
                c[keyPath: keyPath] = n
            }
        }
        // Requests per minute per client address to the MOE API and the bulk API (an MOE whose system
        // syncs often may need more); the burst is a fifth of a minute's, at least the defaults'.
        for (name, keyPath, least) in [("CIVICGATE_MOE_API_RATE", \RateLimits.moeAPI, 120.0), ("CIVICGATE_BULK_RATE", \RateLimits.bulk, 5.0)] {
            if let v = value(name) {
                guard let n = Double(v), (1...1_000_000).contains(n) else { throw .invalid(name, v, "requests per minute per address, 1 to 1000000") }
                c.security.limits[keyPath: keyPath] = RateLimits.Rule(burst: max(least, n / 5), perMinute: n)
            }
        }
        if let v = value("CIVICGATE_QUIET_INBOUND_MINUTES") {
            guard let m = Double(v), m >= 1, m <= 100_000 else { throw .invalid("CIVICGATE_QUIET_INBOUND_MINUTES", v, "minutes, at least 1") }
            c.quietInboundMinutes = m
        }
        if let v = value("CIVICGATE_SMS_RATE") {
            guard let r = Double(v), r > 0 else { throw .invalid("CIVICGATE_SMS_RATE", v, "messages per second, above 0") }
            c.smsRate = r
        }
        if let v = value("CIVICGATE_SMS_MAX_ATTEMPTS") {
            guard let n = Int(v), n >= 1 else { throw .invalid("CIVICGATE_SMS_MAX_ATTEMPTS", v, "a whole number from 1") }
            c.smsMaxAttempts = n
        }
        if let v = value("CIVICGATE_SMS_RETRY_CAP_SECONDS") {
            guard let n = Double(v), n >= 1 else { throw .invalid("CIVICGATE_SMS_RETRY_CAP_SECONDS", v, "seconds, at least 1") }
            c.smsRetryCapSeconds = n
        }
        if let v = value("CIVICGATE_OUTBOX_LEASE_SECONDS") {
            guard let s = Double(v), (1...3600).contains(s) else { throw .invalid("CIVICGATE_OUTBOX_LEASE_SECONDS", v, "seconds, 1 to 3600") }
            c.outboxLeaseSeconds = s
        }
        if let v = value("CIVICGATE_SURVEY_DELAY_MINUTES") {
            guard let m = Double(v), (0...10_080).contains(m) else { throw .invalid("CIVICGATE_SURVEY_DELAY_MINUTES", v, "minutes, 0 to 10080") }
            c.surveyDelayMinutes = m
        }
        if let url = value("CIVICGATE_SMTP_URL") {
            let from = value("CIVICGATE_SMTP_FROM") ?? "civicgate@localhost.localdomain"
            guard let settings = SMTPSettings(url: url, from: from) else {
                throw .invalid("CIVICGATE_SMTP_URL", url.replacingOccurrences(of: #"//[^@/]*@"#, with: "//…@", options: .regularExpression),
                               "smtp://host:25 or smtps://user:password@host:465, with CIVICGATE_SMTP_FROM an address")
            }
            c.smtp = settings
        }
        if let v = value("CIVICGATE_RESUME_MINUTES") {
            guard let m = Double(v), m >= 0 else { throw .invalid("CIVICGATE_RESUME_MINUTES", v, "a number of minutes") }
            c.resumeMinutes = m
        }
        return c
    }
}

enum ConfigurationError: Error, CustomStringConvertible {
    case invalid(String, String, String)
    var description: String {
        switch self {
        case .invalid(let name, let value, let expected): "\(name)=\(value) is not valid: expected \(expected)"
        }
    }
}
