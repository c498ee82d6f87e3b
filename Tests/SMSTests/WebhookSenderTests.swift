import Crypto
import Domain
import Foundation
import Gateway
import Logging
import SMS
import Store
import Synchronization
import TestSupport
import Testing

/// The webhook sender through libcurl against a receiver on this machine's loopback (and only
/// there): signed as Standard Webhooks says, never following a redirect, and never connecting to
/// an address outside the allowed network, however the URL names it.
@Suite struct WebhookSenderTests {
    static let quiet: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    static func dispatch(_ store: any WebhookStore, httpHosts: [String], allowed: [String], clock: any WallClock = SystemClock()) -> WebhookDispatch {
        // Generous timeouts: with every suite running at once on two cores the stub may answer late
        // (the production 10 s is the configuration's, not what these tests are about).
        var timeouts = CurlClient.Timeouts()
        (timeouts.connectMilliseconds, timeouts.totalMilliseconds) = (120_000, 240_000)
        return WebhookDispatch(store: store, poster: CurlWebhookPoster(client: CurlClient(workers: 2, timeouts: timeouts)), resolver: SystemResolver(),
                               policy: WebhookTargetPolicy(httpHosts: httpHosts, allowedNetworks: allowed.compactMap { CIDR($0) }), clock: clock,
                               timeZone: TimeZone(identifier: "Africa/Johannesburg")!, logger: quiet)
    }

    static func message(_ url: String, secret: WebhookSecret = .random()) throws -> WebhookMessage {
        WebhookMessage(id: 1, subscriptionID: 1, messageID: "msg_test", type: .incidentDeclared,
                       data: try WebhookData(incident: APIIncident(Incident(id: 7, moe: "water", service: "water", faults: [], areas: ["soweto"],
                                                                            description: "Main burst", expectedAt: nil, isOpen: true, createdAt: Date(),
                                                                            updatedAt: Date()), at: Date())).stored(),
                       occurredAt: Date(), attempt: 1, url: url, secret: secret.description)
    }

    @Test func anIncidentIsDeliveredSignedToAnAllowedReceiverOnce() async throws {
        let stub = ProviderStub { _ in (204, "") }
        let store = SQLiteStaffStore(try AppDatabase.inMemory())
        try await stub.run { port in
            let secret = WebhookSecret.random()
            _ = try await store.addWebhook(moe: "water", url: "http://127.0.0.1:\(port)/hook", events: [.incidentDeclared], secret: secret, at: Date())
            let incident = try await store.declare(IncidentDraft(service: "water", areas: ["soweto"], description: "Main burst"), moe: "water",
                                                   actor: "tester", address: nil, at: Date())
            let dispatch = Self.dispatch(store, httpHosts: ["127.0.0.1"], allowed: ["127.0.0.1/32"])
            #expect(try await dispatch.deliverDue() == 1)
            #expect(try await dispatch.deliverDue() == 0, "delivered once")
            let request = try #require(stub.requests.first)
            #expect(stub.requests.count == 1 && request.uri == "/hook" && request.method == "POST")
            let id = try #require(request.headers["webhook-id"]), timestamp = try #require(request.headers["webhook-timestamp"].flatMap { Int($0) })
            #expect(request.headers["webhook-signature"] == secret.signature(id: id, timestamp: timestamp, body: Array(request.body.utf8)))
            let body = try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any]
            #expect(body?["type"] as? String == "incident.declared")
            #expect((body?["data"] as? [String: Any])?["id"] as? Int == Int(incident.id))
            #expect(try await store.webhooks(moe: "water").first?.delivered == 1)
        }
    }

    /// A name is connected to only at the addresses checked (pinned): here localhost, allowed.
    @Test func aNameIsDeliveredToTheAddressesChecked() async throws {
        let stub = ProviderStub { _ in (200, "ok") }
        try await stub.run { port in
            let dispatch = Self.dispatch(SQLiteStaffStore(try AppDatabase.inMemory()), httpHosts: ["localhost"], allowed: ["127.0.0.0/8", "::1/128"])
            #expect(await dispatch.attempt(try Self.message("http://localhost:\(port)/hook")) == .delivered(status: 200))
            #expect(stub.requests.count == 1)
        }
    }

    /// A client let go stops its workers, even before they have started; none of them reads the
    /// freed client (a client dropped at once crashed the test process on CI when a worker started
    /// after it was gone, and a used one was never freed).
    @Test func aCurlClientLetGoStopsItsWorkersSafely() async throws {
        for _ in 0..<50 { _ = CurlClient(workers: 2) }
        let stub = ProviderStub { _ in (200, "ok") }
        var generous = CurlClient.Timeouts()
        (generous.connectMilliseconds, generous.totalMilliseconds) = (120_000, 240_000)
        let timeouts = generous
        try await stub.run { port in
            for _ in 0..<5 {
                let client = CurlClient(workers: 1, timeouts: timeouts)
                #expect(await client.perform(HTTPCall(method: "POST", url: "http://127.0.0.1:\(port)/hook", body: [1])) == .response(status: 200, body: Array("ok".utf8)))
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(stub.requests.count == 5)
        }
    }

    @Test func aRedirectIsNotFollowedAndCountsAsAFailure() async throws {
        let elsewhere = Mutex("")
        let stub = ProviderStub { _ in (302, elsewhere.withLock { $0 }) }
        try await stub.run { port in
            // Location: the same receiver's other path, on loopback; followed, a second request would arrive.
            elsewhere.withLock { $0 = "http://127.0.0.1:\(port)/elsewhere" }
            let dispatch = Self.dispatch(SQLiteStaffStore(try AppDatabase.inMemory()), httpHosts: ["127.0.0.1"], allowed: ["127.0.0.1/32"])
            let outcome = await dispatch.attempt(try Self.message("http://127.0.0.1:\(port)/hook"))
            #expect(outcome == .failed(status: 302, error: "HTTP 302: a redirect, not followed"))
            #expect(stub.requests.count == 1)
        }
    }

    /// Loopback outside the allowed network, [::1] and a name that resolves to loopback: refused
    /// before connecting (the receiver hears nothing).
    @Test func loopbackOutsideTheAllowedNetworkIsRefusedHoweverItIsNamed() async throws {
        let stub = ProviderStub { _ in (204, "") }
        try await stub.run { port in
            let dispatch = Self.dispatch(SQLiteStaffStore(try AppDatabase.inMemory()), httpHosts: ["127.0.0.1", "127.0.0.2", "::1", "localhost"],
                                         allowed: ["127.0.0.3/32"])
            for url in ["http://127.0.0.1:\(port)/hook", "http://127.0.0.2:\(port)/hook", "http://[::1]:\(port)/hook", "http://localhost:\(port)/hook"] {
                let outcome = await dispatch.attempt(try Self.message(url))
                guard case .failed(nil, let error) = outcome else { Issue.record("\(url): \(outcome)"); continue }
                #expect(error.contains("loopback"), "\(url): \(error)")
            }
            // https only, unless the host is listed for plain http.
            let strict = Self.dispatch(SQLiteStaffStore(try AppDatabase.inMemory()), httpHosts: [], allowed: ["127.0.0.1/32"])
            let outcome = await strict.attempt(try Self.message("http://127.0.0.1:\(port)/hook"))
            #expect(outcome == .failed(status: nil, error: WebhookTargetPolicy.Refusal.plainHTTP(host: "127.0.0.1").description))
            #expect(stub.requests.isEmpty)
        }
    }
}
