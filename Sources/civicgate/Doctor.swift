import ArgumentParser
import FlowDefinitions
import Foundation
import Gateway
import Logging
import PostgresStore
import SMS
import Store
import Web
#if canImport(Glibc)
import Glibc
#endif

/// `civicgate doctor`: what is wrong with this installation, before residents notice. Reads the
/// configuration `serve` reads (the environment, or only the env file given, as systemd passes
/// it) and checks each part, one line each: ok, warning or problem, and what to do. It contacts
/// only what the configuration names. Exit 0 only when there is no problem.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the configuration, menus, database, keys, SMS provider, SMTP and port; exit 0 only when nothing is a problem.")

    @Option(name: .customLong("env-file"), help: "Read the configuration from this file (KEY=value lines, as systemd's EnvironmentFile) instead of the environment.")
    var envFile: String?
    @OptionGroup var common: CommonOptions

    enum Level: String { case ok, warning, problem }

    struct Finding {
        var level: Level
        var subject: String
        var text: String
    }

    func run() async throws {
        var findings: [Finding] = []
        func say(_ level: Level, _ subject: String, _ text: String) {
            findings.append(Finding(level: level, subject: subject, text: text))
            print("\(level.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(subject): \(text)")
        }
        let environment: [String: String]
        if let envFile {
            do { environment = try Self.readEnvFile(envFile) } catch {
                say(.problem, "configuration", "\(envFile) cannot be read: \(error)")
                throw ExitCode(1)
            }
        } else {
            environment = ProcessInfo.processInfo.environment
        }
        var c: GatewayConfiguration
        do { c = try GatewayConfiguration.fromEnvironment(environment) } catch {
            say(.problem, "configuration", "\(error.description)")
            throw ExitCode(1)
        }
        if let database = common.database { c.database = database }
        if let menus = common.menus { c.menus = menus }
        if let locales = common.locales { c.locales = locales }
        say(.ok, "configuration", envFile.map { "read from \($0)" } ?? "read from the environment")

        // Menus and locales, as `menus check`.
        do {
            let d = try Definitions.load(menus: c.menus, locales: c.locales)
            say(.ok, "menus and locales", "\(c.menus) and \(c.locales): \(d.flow.states.count) USSD states, \(d.locales.codes.count) languages")
        } catch {
            say(.problem, "menus and locales", "\(c.menus), \(c.locales) are not usable (run civicgate menus check): \(error.description.split(separator: "\n").first ?? "")")
        }
        do { try ConsoleTemplates.check(); say(.ok, "console", "templates and stylesheet compiled in") } catch {
            say(.problem, "console", "a template does not parse: \(error)")
        }

        await checkDatabase(c, say)
        checkKey(c, say)
        checkExposure(c, say)
        await checkSMS(c, say)
        await checkSMTP(c, say)
        let calendar = c.calendar
        say(.ok, "time zone", "\(calendar.timeZone.identifier): local time \(calendar.moment(Date())) (CIVICGATE_TIME_ZONE)")
        await checkPort(c, say)

        let problems = findings.filter { $0.level == .problem }.count, warnings = findings.filter { $0.level == .warning }.count
        print("\(problems) problem\(problems == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        if problems > 0 { throw ExitCode(1) }
    }

    /// `KEY=value` lines as systemd reads an EnvironmentFile: blank lines and `#` comments
    /// skipped, values optionally in single or double quotes.
    static func readEnvFile(_ path: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for raw in try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#"), !line.hasPrefix(";"), let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q { value = String(value.dropFirst().dropLast()) }
            out[key] = value
        }
        return out
    }

    typealias Say = (Level, String, String) -> Void

    func checkDatabase(_ c: GatewayConfiguration, _ say: Say) async {
        if let address = PostgresAppDatabase.Address(c.database) {
            var logger = Logger(label: "civicgate.doctor")
            logger.logLevel = .critical
            let database = PostgresAppDatabase(address, logger: logger)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await database.run() }
                do {
                    let facts = try await database.doctorFacts(within: .seconds(5))
                    say(.ok, "database", "PostgreSQL \(address.redacted) answers")
                    say(facts.pending.isEmpty ? .ok : .warning, "database schema",
                        facts.pending.isEmpty ? "migrated" : "\(facts.pending.count) migrations to apply: serve applies them at start")
                    say(facts.writable ? .ok : .problem, "database writes", facts.writable ? "this user may write" : "read-only (a standby, or no INSERT on tickets)")
                    say(.ok, "free disk", "on the PostgreSQL server: watch it there")
                } catch {
                    say(.problem, "database", "PostgreSQL \(address.redacted) does not answer: \(error)")
                }
                group.cancelAll()
            }
            return
        }
        let path = c.database, folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if FileManager.default.fileExists(atPath: path) {
            do {
                let pending = try AppDatabase.pendingMigrations(path: path)
                say(.ok, "database", "SQLite \(path) opens")
                say(pending.isEmpty ? .ok : .warning, "database schema", pending.isEmpty ? "migrated" : "\(pending.count) migrations to apply: serve applies them at start")
            } catch {
                say(.problem, "database", "SQLite \(path) does not open: \(error)")
            }
            let writable = access(path, W_OK) == 0 && access(folder, W_OK) == 0
            say(writable ? .ok : .problem, "database writes", writable ? "\(path) and its folder are writable" : "\(path) or \(folder) is not writable by this user")
        } else if access(folder, W_OK) == 0 {
            say(.warning, "database", "SQLite \(path) does not exist yet: serve makes it at start")
        } else {
            say(.problem, "database", "SQLite \(path) does not exist and \(folder) is not writable by this user")
        }
        var fs = statvfs()
        if statvfs(FileManager.default.fileExists(atPath: folder) ? folder : "/", &fs) == 0 {
            let free = Double(fs.f_bavail) * Double(fs.f_frsize), total = Double(fs.f_blocks) * Double(fs.f_frsize)
            let text = String(format: "%.1f GiB free of %.1f GiB where the database is", free / 1_073_741_824, total / 1_073_741_824)
            say(free < 200 * 1_048_576 || free < total * 0.02 ? .problem : free < 1_073_741_824 || free < total * 0.1 ? .warning : .ok, "free disk", text)
        }
    }

    func checkKey(_ c: GatewayConfiguration, _ say: Say) {
        guard let path = PseudonymKeyFile.path(c) else {
            say(.problem, "pseudonym key", "CIVICGATE_PSEUDONYM_KEY_FILE is not set: PostgreSQL needs one key file, the same on every instance")
            return
        }
        guard FileManager.default.fileExists(atPath: path) else {
            say(PostgresAppDatabase.Address(c.database) == nil ? .warning : .problem, "pseudonym key",
                "\(path) does not exist: \(PostgresAppDatabase.Address(c.database) == nil ? "serve makes it at start" : "make one (head -c 32 /dev/urandom > FILE; chmod 600 FILE) and copy it to every instance")")
            return
        }
        do {
            _ = try Pseudonyms.key(at: path, create: false)
            if let repository = PseudonymKeyFile.trackedByGit(path) {
                say(.problem, "pseudonym key", "\(path) is tracked by git in \(repository): make a new one outside the work tree")
            } else {
                say(.ok, "pseudonym key", "\(path): present, the owner's alone")
            }
        } catch {
            say(.problem, "pseudonym key", "\(error)")
        }
    }

    func checkExposure(_ c: GatewayConfiguration, _ say: Say) {
        guard let exposure = Serve.exposure(c) else {
            say(.ok, "exposure", "listening on \(c.host) (this machine only): webhook token and public URL not needed")
            return
        }
        say(c.security.webhookToken == nil ? .problem : .ok, "webhook token",
            c.security.webhookToken == nil ? "not set while \(exposure): set CIVICGATE_WEBHOOK_TOKEN (serve refuses to start without it)" : "set")
        say(c.publicURL == nil ? .problem : .ok, "public URL",
            c.publicURL.map { "\($0)" } ?? "not set while \(exposure): set CIVICGATE_PUBLIC_URL to the https address providers and browsers reach")
    }

    /// Short: an installation that does not answer within seconds has a problem to name.
    static var timeouts: CurlClient.Timeouts {
        var t = CurlClient.Timeouts()
        (t.connectMilliseconds, t.totalMilliseconds) = (2_000, 4_000)
        return t
    }

    func checkSMS(_ c: GatewayConfiguration, _ say: Say) async {
        let client = CurlClient(workers: 1, timeouts: Self.timeouts)
        defer { client.shutdown() }
        switch c.smsProvider {
        case "log":
            say(.warning, "SMS provider", "log: no SMS leaves this machine (set CIVICGATE_SMS_PROVIDER to kannel or africastalking)")
        case "kannel":
            guard let url = c.smsURL, var parts = URLComponents(string: url) else {
                return say(.problem, "SMS provider", "kannel needs CIVICGATE_SMS_URL (its sendsms URL)")
            }
            // Credentials alone, no receiver: Kannel says which is wrong and sends nothing.
            parts.queryItems = [URLQueryItem(name: "username", value: c.smsUsername ?? ""), URLQueryItem(name: "password", value: c.smsPassword ?? "")]
            switch await client.perform(HTTPCall(method: "GET", url: parts.string ?? url)) {
            case .failure(let why): say(.problem, "SMS provider", "Kannel at \(url) does not answer: \(why)")
            case .response(let status, let body):
                let text = String(decoding: body, as: UTF8.self)
                if status == 403 || text.localizedCaseInsensitiveContains("authorization failed") {
                    say(.problem, "SMS provider", "Kannel at \(url) refuses CIVICGATE_SMS_USERNAME/PASSWORD: \(text.prefix(80))")
                } else {
                    say(.ok, "SMS provider", "Kannel at \(url) answers and takes the credentials (\(status))")
                }
            }
        case "africastalking":
            guard let user = c.smsUsername, let key = c.smsAPIKey else {
                return say(.problem, "SMS provider", "africastalking needs CIVICGATE_SMS_USERNAME and CIVICGATE_SMS_API_KEY")
            }
            let base = c.smsURL.flatMap { URL(string: $0) }.map { "\($0.scheme ?? "https")://\($0.host ?? "api.africastalking.com")" } ?? "https://api.africastalking.com"
            let name = user.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? user
            switch await client.perform(HTTPCall(method: "GET", url: "\(base)/version1/user?username=\(name)", headers: ["apiKey: \(key)", "Accept: application/json"])) {
            case .failure(let why): say(.problem, "SMS provider", "Africa's Talking at \(base) does not answer: \(why)")
            case .response(let status, _) where status == 401 || status == 403:
                say(.problem, "SMS provider", "Africa's Talking refuses the username or API key (\(status))")
            case .response(let status, _):
                say(status < 400 ? .ok : .warning, "SMS provider", "Africa's Talking answers (\(status))")
            }
        default:
            say(.problem, "SMS provider", "unknown provider \(c.smsProvider)")
        }
    }

    func checkSMTP(_ c: GatewayConfiguration, _ say: Say) async {
        guard let smtp = c.smtp, let url = URL(string: smtp.url), let host = url.host else {
            return say(.warning, "SMTP", "CIVICGATE_SMTP_URL not set: escalation e-mail fails at once, visibly")
        }
        let port = url.port ?? (url.scheme?.lowercased() == "smtps" ? 465 : 25)
        let reached = Self.connects(host: host, port: port)  // once: each try is a connection to the server
        say(reached ? .ok : .problem, "SMTP", "\(host):\(port) \(reached ? "accepts" : "does not accept") connections")
    }

    func checkPort(_ c: GatewayConfiguration, _ say: Say) async {
        guard c.port != 0 else { return say(.ok, "HTTP port", "0: serve picks a free one") }
        if Self.canBind(host: c.host, port: c.port) { return say(.ok, "HTTP port", "\(c.host):\(c.port) is free") }
        let client = CurlClient(workers: 1, timeouts: Self.timeouts)
        defer { client.shutdown() }
        let local = c.host == "0.0.0.0" || c.host == "::" ? "127.0.0.1" : c.host.contains(":") ? "[\(c.host)]" : c.host
        if case .response(200, let body) = await client.perform(HTTPCall(method: "GET", url: "http://\(local):\(c.port)/healthz")),
           String(decoding: body, as: UTF8.self).contains("ok") {
            say(.ok, "HTTP port", "\(c.host):\(c.port) is taken by a running civicgate (this installation's, if the service is started)")
        } else {
            say(.problem, "HTTP port", "\(c.host):\(c.port) is taken by another program: choose CIVICGATE_PORT or stop it")
        }
    }

    /// Whether a TCP listener could be made on `host:port` now.
    static func canBind(host: String, port: Int) -> Bool {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host == "localhost" ? "127.0.0.1" : host, String(port), &hints, &list) == 0, let info = list else { return false }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        return bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0
    }

    /// Whether `host:port` accepts a TCP connection within three seconds.
    static func connects(host: String, port: Int) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0 else { return false }
        defer { freeaddrinfo(list) }
        var next = list
        while let info = next {
            next = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var timeout = timeval(tv_sec: 3, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return true }
        }
        return false
    }
}
