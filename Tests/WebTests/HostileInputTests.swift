import Channels
import Domain
import Foundation
import Gateway
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import Web

/// Whatever a stranger sends, on any route, the answer is below 500 and the process lives on.
@Suite struct HostileInputTests {
    /// Numbers and text that have broken servers before.
    static let edges = [
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "99999999999999999999999999", "-1", "0", "1",
        "NaN", "nan", "inf", "-inf", "1e308", "1.5", "", " ", "%00", "%ff%fe", "%", "%%", "&&", "==", "../../etc/passwd",
        String(repeating: "9", count: 400), String(repeating: "A", count: 3000), "<script>alert(1)</script>", "' OR 1=1 --",
        "2026-13-45", "9999-12-31T23:59:59Z", "0000-00-00", "-0001-01-01", "2026-11-30T10:00:00+99:99", "💥", "\u{202E}evil",
        "482109375", "48210937", "4821093750", "*120*1234#", "0x10", "+27821234567", "null", "[]", "{}",
    ]

    /// Deterministic choices, so a failure replays.
    struct Draw {
        var generator = SeededGenerator(state: 7)
        mutating func edge() -> String { HostileInputTests.edges[Int(generator.next() % UInt64(HostileInputTests.edges.count))] }
        mutating func escaped() -> String {
            let e = edge()
            // Half raw (possibly malformed escapes), half properly escaped.
            return generator.next() % 2 == 0 ? e : e.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? e
        }
        mutating func pick<T>(_ list: [T]) -> T { list[Int(generator.next() % UInt64(list.count))] }
    }

    static let getPaths = [
        "/healthz?detail=", "/metrics", "/open311/v2/discovery.json", "/open311/v2/services.json", "/open311/v2/services/",
        "/open311/v2/requests.json?page=", "/open311/v2/requests.json?page_size=", "/open311/v2/requests.json?service_request_id=",
        "/open311/v2/requests.json?start_date=", "/open311/v2/requests.json?end_date=", "/open311/v2/requests.json?status=",
        "/open311/v2/requests.json?service_code=", "/open311/v2/requests/", "/api/v1/tickets?page=", "/api/v1/tickets?status=",
        "/api/v1/tickets/", "/console/?page=", "/console/?sort=", "/console/?status=", "/console/?area=", "/console/?service=",
        "/console/export.csv?page=", "/console/audit?page=", "/console/tickets/", "/sms/kannel?from=", "/sms/kannel?text=REPORT+",
        "/dlr/kannel?id=", "/dlr/kannel?status=1&id=", "/dlr/kannel?id=1&status=", "/console/?done=bulk-",
        "/open311/v2/requests.xml?start_date=", "/open311/v2/servicerequestupdates.xml?start_date=", "/open311/v2/servicerequestupdates.json?end_date=",
        "/open311/v2/services.xml?jurisdiction_id=", "/console/reports?status=", "/console/reports?page=", "/console/uploads/",
        "/console/admin/users?done=",
    ]

    static let postPaths = [
        "/ussd/africastalking", "/ussd/truteq", "/sms/africastalking", "/sms/kannel", "/dlr/africastalking", "/dlr/kannel",
        "/open311/v2/requests.json", "/api/v1/bulk-reports", "/api/v1/tickets/482109375/status", "/console/sign-in",
        "/console/sign-out", "/console/bulk", "/console/tickets/482109375/status", "/console/tickets/482109375/reroute",
        "/console/tickets/482109375/duplicate", "/console/tickets/482109375/assign", "/console/tickets/482109375/show-number",
        "/open311/v2/requests.xml", "/open311/v2/servicerequestupdates.xml", "/console/uploads", "/console/admin/users",
        "/console/admin/users/thandi/change", "/console/admin/organisations", "/console/admin/tokens/1/revoke",
    ]

    static let fields = [
        "sessionId", "serviceCode", "phoneNumber", "networkCode", "text", "from", "to", "id", "status", "date", "api_key",
        "service_code", "address_string", "lat", "long", "description", "attribute[area]", "page", "expected_date", "master",
        "moe", "queue", "reason", "assignee", "ref", "action", "back", "username", "password", "message", "visibility",
        "service_request_id", "update_id", "email", "first_name", "media_url", "address_id", "jurisdiction_id", "role", "organisation", "name",
    ]

    @Test(.timeLimit(.minutes(5)))
    func fiveThousandHostileRequestsOverEveryRouteGetNo5xx() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        let reference = try await world.report("water", "burst_pipe")
        let token = try await world.staff.addToken(moe: "water", at: world.clock.now())
        let key = try await world.organisations.add(name: "Ward 9", at: world.clock.now()).key
        var security = WebSecurity()
        security.limits.signIn = .init(burst: 1e9, perMinute: 1e9)
        security.limits.open311Post = .init(burst: 1e9, perMinute: 1e9)
        security.limits.bulk = .init(burst: 1e9, perMinute: 1e9)
        security.limits.moeAPI = .init(burst: 1e9, perMinute: 1e9)
        var sent = 0
        var worst: [String] = []
        for tokenRequired in [false, true] {
            if tokenRequired { security.webhookToken = "hostile-test-token-0123" }
            let (count, bad) = try await makeApp(world, security: security).test(.router) { client async throws in
                var sent = 0
                var worst: [String] = []
                let browser = ConsoleBrowser(client)
                try await browser.signIn("thandi", TestGateway.password)
                let session = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
                let csrf = browser.csrf ?? ""
                var draw = Draw(generator: SeededGenerator(state: tokenRequired ? 11 : 7))
                for i in 0..<2600 {
                    var headers: HTTPFields = [:]
                    // Credentials: none, junk, or real, so handlers past authentication are reached too.
                    switch i % 4 {
                    case 0: break
                    case 1: headers[.authorization] = "Bearer " + draw.edge()
                    case 2: headers[.authorization] = "Bearer \(draw.pick([token, key]))"
                    default: headers[.cookie] = session
                    }
                    if i % 7 == 0 { headers[.init("X-Forwarded-For")!] = draw.edge() }
                    let uri: String
                    let method: HTTPRequest.Method
                    var body: ByteBuffer?
                    if i % 2 == 0 {
                        method = .get
                        var path = draw.pick(Self.getPaths) + draw.escaped()
                        if path.hasSuffix("/") || path.hasPrefix("/open311/v2/requests/") || path.hasPrefix("/open311/v2/services/") {
                            path += draw.pick([".json", ".xml", ""])
                        }
                        if i % 3 == 0 { path = path.replacingOccurrences(of: "482109375", with: reference.digits) }
                        uri = path
                    } else {
                        method = .post
                        uri = draw.pick(Self.postPaths).replacingOccurrences(of: "482109375", with: i % 3 == 0 ? reference.digits : draw.escaped())
                        headers[.contentType] = draw.pick(["application/x-www-form-urlencoded", "text/csv", "application/json", "application/xml", ""])
                        var parts = (0..<Int(draw.generator.next() % 8)).map { _ in "\(draw.pick(Self.fields))=\(draw.escaped())" }
                        if i % 5 == 0 { parts.append("csrf=\(csrf)") }
                        var text = parts.joined(separator: "&")
                        if i % 11 == 0 { text = draw.pick(["external_id,service_code,area,address,description,phone\n" + draw.edge(), "<ussd>" + draw.edge(), "{\"status\":\"\(draw.edge())\"}"]) }
                        body = ByteBuffer(string: text)
                    }
                    let tokenPart = tokenRequired && i % 2 == 0 ? (uri.contains("?") ? "&" : "?") + "token=" + draw.pick(["hostile-test-token-0123", draw.edge()]) : ""
                    let r = try await client.execute(uri: uri + tokenPart, method: method, headers: headers, body: body)
                    sent += 1
                    if r.status.code >= 500 { worst.append("\(r.status.code) \(method) \(uri.prefix(120))") }
                }
                return (sent, worst)
            }
            sent += count
            worst += bad
        }
        #expect(sent >= 5000)
        #expect(worst.isEmpty, "\(worst.count) answers >= 500, e.g. \(worst.prefix(5))")
    }

    @Test func theRequestThatUsedToKillTheServerAndItsCousinsAreRefusedPolitely() async throws {
        let world = try TestGateway()
        let token = try await world.staff.addToken(moe: "water", at: world.clock.now())
        try await makeApp(world).test(.router) { client async throws in
            for page in ["9223372036854775807", "-9223372036854775808", "100001", "0", "NaN"] {
                let r = try await client.execute(uri: "/open311/v2/requests.json?page=\(page)", method: .get)
                #expect(r.status == .badRequest, "page=\(page)")
                #expect(String(buffer: r.body).contains("page must be a whole number"))
                let api = try await client.execute(uri: "/api/v1/tickets?page=\(page)", method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(api.status == .badRequest, "api page=\(page)")
            }
            let last = try await client.execute(uri: "/open311/v2/requests.json?page=100000&page_size=500", method: .get)
            #expect(last.status == .ok)
            #expect(String(buffer: last.body) == "[]")
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
        #expect(Paging.offset(page: .max, size: 500) == .max)
        #expect(Paging.offset(page: .min, size: 500) == 0)
        #expect(Paging.offset(page: 3, size: 50) == 100)
    }
}

/// `/metrics` and `/healthz?detail=1` are for staff: a token, or a direct loopback peer.
@Suite struct OperationsAccessTests {
    @Test func metricsNeedTheTokenWhenOneIsSet() async throws {
        let world = try TestGateway()
        var security = WebSecurity()
        security.metricsToken = "scrape-token-0123456789"
        try await makeApp(world, security: security).live { client async throws in
            #expect(try await client.get("/metrics").status == .unauthorized)
            #expect(try await client.get("/metrics", headers: [.authorization: "Bearer nope"]).status == .unauthorized)
            #expect(try await client.get("/metrics", headers: [.authorization: "Bearer scrape-token-0123456789"]).status == .ok)
            #expect(try await client.get("/healthz?detail=1").status == .unauthorized)
            #expect(try await client.get("/healthz").status == .ok)
        }
    }

    @Test func withoutATokenOnlyADirectLoopbackPeerIsAnswered() async throws {
        let world = try TestGateway()
        try await makeApp(world).live { client async throws in
            #expect(try await client.get("/metrics").status == .ok)
            #expect(try await client.get("/healthz?detail=1").status == .ok)
            // Through a proxy on this machine, the client is someone else.
            let proxied = try await client.get("/metrics", headers: [.init("X-Forwarded-For")!: "127.0.0.1"])
            #expect(proxied.status == .unauthorized)
        }
        try await makeApp(world).test(.router) { client async throws in
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized, "no peer address: not loopback")
        }
    }

    @Test func providerTroubleShowsInHealthDetailAndMetrics() async throws {
        let world = try TestGateway()
        world.health.providerAnswered(.permanent("AT 405 InsufficientBalance"), at: world.clock.now())
        var security = WebSecurity()
        security.metricsToken = "scrape-token-0123456789"
        try await makeApp(world, security: security).test(.router) { client async throws in
            let auth: HTTPFields = [.authorization: "Bearer scrape-token-0123456789"]
            let detail = String(buffer: try await client.execute(uri: "/healthz?detail=1", method: .get, headers: auth).body)
            #expect(detail.contains(#""status":"alert""#))
            #expect(detail.contains("sms_provider_blocked") && detail.contains("InsufficientBalance"))
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get, headers: auth).body)
            #expect(metrics.contains(#"civicgate_alert{alert="sms_provider_blocked"} 1"#))
            #expect(metrics.contains(#"civicgate_alert{alert="disk_nearly_full"} 0"#))
            world.health.providerAnswered(.accepted(providerID: nil), at: world.clock.now())
            let after = String(buffer: try await client.execute(uri: "/healthz?detail=1", method: .get, headers: auth).body)
            #expect(after.contains(#""status":"ok""#))
        }
    }
}

@Suite struct FormBodyTests {
    func parse(_ text: String) throws(CallbackError) -> [String] {
        try FormBody(parsing: Array(text.utf8)).fields.map { "\($0.name)=\($0.value)" }
    }

    @Test func decodesNamesAndValuesStrictly() throws {
        #expect(try parse("sessionId=AT_1&phoneNumber=%2B27821234567&text=1*12+Main+Rd&&flag&empty=&a=b=c")
                == ["sessionId=AT_1", "phoneNumber=+27821234567", "text=1*12 Main Rd", "flag=", "empty=", "a=b=c"])
        #expect(try parse("") == [] && parse("&&") == [])
        #expect(try parse("name=Th%C3%A9r%C3%A8se") == ["name=Thérèse"])
        #expect(try parse("name=Thérèse&plus=a+é") == ["name=Thérèse", "plus=a é"], "UTF-8 sent unescaped is text too")
        #expect(try FormBody(parsing: Array("a=1&a=2&b=3".utf8)).values("a") == ["1", "2"])
        for bad in ["text=%ZZ", "text=%2", "text=%", "%C3%28=x"] {
            #expect(throws: CallbackError.self, "\(bad)") { try parse(bad) }
        }
        #expect(throws: CallbackError.invalidUTF8) { try FormBody(parsing: [UInt8(ascii: "a"), UInt8(ascii: "="), 0xC3, 0x28]) }
    }
}

@Suite struct AfricasTalkingFieldTests {
    func hop(_ sessionID: String, serviceCode: String) throws -> UssdEvent? {
        let body = "sessionId=\(sessionID)&phoneNumber=%2B27821234567&serviceCode=\(serviceCode)&text="
        guard case .hop(let event) = try AfricasTalkingUSSD.parse(FormBody(parsing: Array(body.utf8))) else { return nil }
        return event
    }

    @Test func sessionIdsAndServiceCodesAreBoundedInCharacters() throws {
        #expect(try hop(String(repeating: "a", count: 128), serviceCode: "*120*7%23")?.serviceCode == "*120*7#")
        #expect(throws: CallbackError.tooLong("sessionId")) { try hop(String(repeating: "a", count: 129), serviceCode: "x") }
        // 128 characters of two bytes each: long in bytes, within the bound in characters.
        #expect(try hop(String(repeating: "%C3%A9", count: 128), serviceCode: "x") != nil)
        #expect(try hop("s", serviceCode: String(repeating: "1", count: 40))?.serviceCode == String(repeating: "1", count: 32))
        #expect(try hop("s", serviceCode: String(repeating: "%C3%A9", count: 40))?.serviceCode == String(repeating: "é", count: 32))
    }
}

/// The webhook token guards the routes themselves: every spelling of a webhook path that the router
/// would run meets it, and a spelling the router does not run reaches nothing.
@Suite struct WebhookPathSpellingTests {
    /// Ways of writing `/<group>/<name>` that some parser or proxy treats as the same path.
    static func spellings(_ group: String, _ name: String) -> [String] {
        [
            "//\(group)/\(name)", "///\(group)/\(name)", "/\(group)//\(name)", "/\(group)/\(name)/", "//\(group)//\(name)//",
            "/./\(group)/\(name)", "/x/../\(group)/\(name)", "/\(group)/./\(name)", "/%\(String(group.utf8.first!, radix: 16))\(group.dropFirst())/\(name)",
            "/\(group)%2F\(name)", "/\(group.uppercased())/\(name)", "/\(group)/\(name.uppercased())", "/\(group)/\(name);x", "/\(group)/\(name)%20",
        ]
    }

    func send(_ client: some TestClientProtocol, _ path: String, _ query: String?, _ method: HTTPRequest.Method, _ body: String?,
              token: String?) async throws -> TestResponse {
        var parts = query.map { [$0] } ?? []
        if let token { parts.append("token=\(token)") }
        let uri = parts.isEmpty ? path : path + "?" + parts.joined(separator: "&")
        return try await client.execute(uri: uri, method: method, headers: formHeaders, body: body.map { ByteBuffer(string: $0) })
    }

    @Test func everySpellingOfAWebhookPathMeetsTheToken() async throws {
        let world = try TestGateway()
        let routes: [(String, String, String?, HTTPRequest.Method, String?)] = [
            ("ussd", "africastalking", nil, .post, "sessionId=s1&serviceCode=%2A120%2A1234%23&phoneNumber=%2B27821234567&networkCode=65501&text="),
            ("ussd", "truteq", nil, .post, #"<ussd><type>1</type><msisdn>27821234567</msisdn><sessionid>9</sessionid><msg>*120*1234#</msg></ussd>"#),
            ("sms", "africastalking", nil, .post, "from=%2B27821110002&to=31337&text=STOP&date=2026-11-30&id=at-1"),
            ("sms", "kannel", "from=%2B27821110002&text=STOP", .get, nil),
            ("sms", "kannel", nil, .post, "from=%2B27821110003&to=31337&text=REPORT+WATER+burst+pipe+at+12+Vilakazi+St"),
            ("dlr", "africastalking", nil, .post, "id=ATXid_1&status=Success&phoneNumber=%2B27821234567"),
            ("dlr", "kannel", "id=1&status=1", .get, nil),
            ("dlr", "kannel", nil, .post, "id=1&status=1"),
        ]
        let served = try await makeApp(world, security: WebhookAuthTests.security).test(.router) { client async throws in
            var served = 0
            for (group, name, query, method, body) in routes {
                for path in Self.spellings(group, name) {
                    let stranger = try await send(client, path, query, method, body, token: nil)
                    #expect(stranger.status == .unauthorized || stranger.status == .notFound, "\(method) \(path): \(stranger.status)")
                    let wrong = try await send(client, path, query, method, body, token: "wrong-token-0123456789")
                    #expect(wrong.status == .unauthorized || wrong.status == .notFound, "\(method) \(path): \(wrong.status)")
                }
            }
            #expect(try await world.tickets.count() == 0)
            #expect(try await world.outbox.counts().isEmpty)
            let subscribers = try await world.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subscribers") }
            #expect(subscribers == 0, "nobody was opted out or given a language")

            // With the token, a spelling the router runs is served, and it was refused above.
            for (group, name, query, method, body) in routes {
                for path in Self.spellings(group, name) {
                    let owner = try await send(client, path, query, method, body, token: WebhookAuthTests.token)
                    if owner.status != .notFound {
                        served += 1
                        let stranger = try await send(client, path, query, method, body, token: nil)
                        #expect(stranger.status == .unauthorized, "\(method) \(path) is served with the token, so without it: 401")
                    }
                }
            }
            return served
        }
        #expect(served >= routes.count * 4, "the double-slash and trailing-slash spellings reach the routes")
        #expect(try await world.tickets.count() >= 1, "the owner's REPORT was filed")
    }
}
