import Testing
import Domain
import Web

@Suite struct ClientAddressTests {
    @Test func networksMatchTheirAddressesOnly() {
        let ten = CIDR("10.0.0.0/8")!
        #expect(ten.contains("10.255.1.2") && !ten.contains("11.0.0.1") && !ten.contains("not an address"))
        #expect(CIDR("127.0.0.1")!.contains("127.0.0.1") && !CIDR("127.0.0.1")!.contains("127.0.0.2"))
        #expect(CIDR("::1/128")!.contains("::1"))
        #expect(CIDR("10.0.0.0/8")!.contains("::ffff:10.1.2.3"), "IPv4 seen through an IPv6 socket")
        #expect(CIDR("2001:db8::/32")!.contains("2001:db8:1::5") && !CIDR("2001:db8::/32")!.contains("2001:db9::5"))
        #expect(CIDR("0.0.0.0/0")!.contains("203.0.113.9"))
        for bad in ["10.0.0.0/33", "10.0.0.0/-1", "10.0.0/8", "banana", "", "::1/129"] { #expect(CIDR(bad) == nil, "\(bad)") }
        guard case .failure(let e) = CIDR.list("127.0.0.1/32, nonsense") else { Issue.record("accepted nonsense"); return }
        #expect(e.entry.contains("nonsense"))
    }

    @Test func forwardingIsBelievedOnlyFromTrustedProxies() {
        let resolver = ClientAddressResolver(trustedProxies: [CIDR("127.0.0.1/32")!, CIDR("10.0.0.0/8")!])
        #expect(resolver.resolve(peer: "203.0.113.9", forwardedFor: ["1.2.3.4"]) == "203.0.113.9")
        #expect(resolver.resolve(peer: "127.0.0.1", forwardedFor: ["198.51.100.4"]) == "198.51.100.4")
        // The client's own claim sits to the left of what our proxies added.
        #expect(resolver.resolve(peer: "127.0.0.1", forwardedFor: ["6.6.6.6, 198.51.100.4, 10.1.1.1"]) == "198.51.100.4")
        #expect(resolver.resolve(peer: "127.0.0.1", forwardedFor: ["6.6.6.6", "198.51.100.4"]) == "198.51.100.4")
        #expect(resolver.resolve(peer: "127.0.0.1", forwardedFor: ["garbage"]) == "127.0.0.1")
        #expect(resolver.resolve(peer: "127.0.0.1", forwardedFor: []) == "127.0.0.1")
        #expect(resolver.resolve(peer: nil, forwardedFor: ["1.2.3.4"]) == "unknown")
    }
}
