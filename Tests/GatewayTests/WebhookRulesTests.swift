import Domain
import Foundation
import Gateway
import Logging
import Store
import Synchronization
import TestSupport
import Testing

/// Webhooks' rules without a network: Standard Webhooks signatures, where a webhook may go
/// (checked on addresses only, nothing sent), and delivery over time with an injected clock.
@Suite struct WebhookRulesTests {
    static let quiet: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    /// The specification's own test vector (standard-webhooks/standard-webhooks, libraries' tests).
    @Test func signaturesMatchTheStandardWebhooksTestVector() throws {
        let secret = try #require(WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        #expect(secret.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8))
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(secret.description == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let fresh = WebhookSecret.random()
        #expect(WebhookSecret(fresh.description) == fresh && fresh.bytes.count == 24 && fresh != WebhookSecret.random())
        for bad in ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_!!!", "whsec_AAAA"] { #expect(WebhookSecret(bad) == nil, "\(bad)") }
        #expect(WebhookMessageID.random().count == 28 && WebhookMessageID.random().hasPrefix("msg_"))
    }

    @Test func noWebhookGoesToLoopbackPrivateLinkLocalOrMetadataAddresses() {
        let policy = WebhookTargetPolicy()
        let refused = ["127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "169.254.0.1",
                       "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1",
                       "fd00:ec2::254", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1", "ff02::1", "2001:db8::1"]
        for address in refused { #expect(policy.refusal(of: address) != nil, "\(address)") }
        #expect(policy.refusal(of: "169.254.169.254") == "a link-local or cloud metadata address")
        #expect(policy.refusal(of: "::ffff:127.0.0.1") == "a loopback address", "IPv4 inside IPv6 is checked as the IPv4 it carries")
        for address in ["8.8.8.8", "41.0.0.1", "172.32.0.1", "192.169.0.1", "2001:4860:4860::8888", "2c0f:fb50::1"] {
            #expect(policy.refusal(of: address) == nil, "\(address)")
        }
        #expect(policy.refusal(of: "not an address") != nil)
        // An operator's internal network, listed.
        let listed = WebhookTargetPolicy(allowedNetworks: [CIDR("10.20.0.0/16")!, CIDR("fd00:1::/64")!])
        #expect(listed.refusal(of: "10.20.3.4") == nil && listed.refusal(of: "fd00:1::5") == nil)
        #expect(listed.refusal(of: "10.21.0.1") != nil && listed.refusal(of: "127.0.0.1") != nil)
    }

    @Test func aURLIsHttpsToANameOrAddressAndEveryAddressItResolvesToIsChecked() {
        let policy = WebhookTargetPolicy(httpHosts: ["receiver.internal"], allowedNetworks: [CIDR("10.9.0.0/16")!])
        func target(_ url: String) -> WebhookTargetPolicy.Target? { try? policy.target(url).get() }
        #expect(target("https://maximo.example.gov.za/civicgate?x=1") == .init(url: "https://maximo.example.gov.za/civicgate?x=1", scheme: "https",
                                                                                 host: "maximo.example.gov.za", port: 443))
        #expect(target("https://[2001:4860::1]:8443/h")?.host == "2001:4860::1" && target("https://[2001:4860::1]:8443/h")?.port == 8443)
        #expect(target("http://receiver.internal:8080/h")?.port == 8080)
        let refusals: [(String, String)] = [
            ("http://maximo.example.gov.za/h", "only https"), ("ftp://example.org/h", "scheme"), ("https://user:pw@example.org/h", "user name"),
            ("https://example.org/h#x", "fragment"), ("https://2130706433/h", "neither"), ("https://0x7f.1/h", "neither"), ("https://017700000001/h", "neither"),
            ("https:///h", "https://host"), ("https://exa mple.org/", "spaces"), ("https://example.org\\@127.0.0.1/", "backslashes"),
            ("https://ex\u{00E4}mple.org/", "ASCII"), ("https://" + String(repeating: "a", count: 2001), "2000"),
        ]
        for (url, why) in refusals {
            guard case .failure(let refusal) = policy.target(url) else { Issue.record("\(url) was accepted"); continue }
            #expect(refusal.description.contains(why), "\(url): \(refusal)")
        }
        // A name is as good as the worst address it resolves to.
        let t = WebhookTargetPolicy.Target(url: "https://mixed.example/h", scheme: "https", host: "mixed.example", port: 443)
        #expect(policy.check(t) { _ in ["8.8.8.8", "2001:4860:4860::8888"] } == .success(["8.8.8.8", "2001:4860:4860::8888"]))
        #expect(policy.check(t) { _ in ["8.8.8.8", "127.0.0.1"] } == .failure(.address(host: "mixed.example", address: "127.0.0.1", kind: "a loopback address")))
        #expect(policy.check(t) { _ in ["10.9.1.1"] } == .success(["10.9.1.1"]))
        #expect(policy.check(t) { _ in [] } == .failure(.unresolved(host: "mixed.example")))
        // An address written in the URL is not resolved.
        let literal = WebhookTargetPolicy.Target(url: "https://169.254.169.254/latest", scheme: "https", host: "169.254.169.254", port: 443)
        #expect(policy.check(literal) { _ in ["8.8.8.8"] } == .failure(.address(host: "169.254.169.254", address: "169.254.169.254",
                                                                                   kind: "a link-local or cloud metadata address")))
    }

    /// Records what would have been posted; refuses everything while `down`.
    final class Receiver: WebhookPoster, HostResolver {
        let down = Mutex(false)
        let got = Mutex<[(id: String, type: String, about: String, description: String)]>([])

        func addresses(of host: String) -> [String] { ["192.0.2.10"] }

        func post(_ target: WebhookTargetPolicy.Target, addresses: [String], headers: [(name: String, value: String)], body: [UInt8]) async -> WebhookOutcome {
            if down.withLock({ $0 }) { return .failed(status: nil, error: "Couldn't connect to server") }
            let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
            let data = json?["data"] as? [String: Any]
            got.withLock { $0.append((headers.first { $0.name == "webhook-id" }?.value ?? "", json?["type"] as? String ?? "",
                                      "\(data?["id"] ?? "")", data?["description"] as? String ?? "")) }
            return .delivered(status: 200)
        }
    }

    @Test func aReceiverDownForTenMinutesGetsEverythingAfterwardsInOrder() async throws {
        let store = SQLiteStaffStore(try AppDatabase.inMemory())
        let clock = TestClock()
        let receiver = Receiver()
        let dispatch = WebhookDispatch(store: store, poster: receiver, resolver: receiver,
                                       policy: WebhookTargetPolicy(allowedNetworks: [CIDR("192.0.2.0/24")!]), clock: clock, timeZone: .gmt,
                                       logger: Self.quiet)
        _ = try await store.addWebhook(moe: "water", url: "https://receiver.example/hook", events: WebhookEventType.allCases, secret: .random(), at: clock.now())
        receiver.down.withLock { $0 = true }
        var expected: [String] = []
        for area in ["soweto", "alexandra"] {
            let i = try await store.declare(IncidentDraft(service: "water", areas: [area], description: "\(area) 0"), moe: "water", actor: "t", address: nil,
                                            at: clock.now())
            expected.append("\(i.id) \(area) 0")
            for n in 1...3 {
                _ = try await store.changeIncident(i.id, moe: "water", IncidentDraft(description: "\(area) \(n)"), closing: n == 3, broadcast: nil,
                                                   actor: "t", address: nil, at: clock.now())
                expected.append("\(i.id) \(area) \(n)")
            }
        }
        // Ten minutes down, the sender trying every few seconds as it does.
        for _ in 0..<120 {
            _ = try await dispatch.deliverDue()
            clock.advance(5)
        }
        #expect(receiver.got.withLock { $0.isEmpty })
        #expect(try await store.webhooks(moe: "water").first?.failingSince != nil)
        receiver.down.withLock { $0 = false }
        // Back: within the longest wait (five minutes) everything arrives, each incident's in order.
        for _ in 0..<70 where receiver.got.withLock({ $0.count }) < expected.count {
            _ = try await dispatch.deliverDue()
            clock.advance(5)
        }
        let got = receiver.got.withLock { $0 }
        #expect(got.count == expected.count && Set(got.map(\.id)).count == expected.count)
        for area in ["soweto", "alexandra"] {
            #expect(got.map { "\($0.about) \($0.description)" }.filter { $0.contains(area) } == expected.filter { $0.contains(area) })
        }
        #expect(got.filter { $0.description.hasSuffix(" 3") }.allSatisfy { $0.type == "incident.closed" })
        #expect(try await store.webhooks(moe: "water").first?.failingSince == nil)
    }
}
