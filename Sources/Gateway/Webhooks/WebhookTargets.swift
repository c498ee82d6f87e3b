import Domain
import Foundation

/// Where a webhook may be sent, so a subscription cannot make CivicGate reach inside the network it
/// runs in: `https` only (plain `http` only to the hosts in `CIVICGATE_WEBHOOK_ALLOW_HTTP`, as
/// written in the URL), never to a loopback, private, link-local, shared, multicast, reserved or
/// cloud-metadata address unless `CIVICGATE_WEBHOOK_ALLOW_PRIVATE` lists its network. The URL is
/// checked when it is added and every address its host resolves to is checked again before each
/// delivery connects (and the connection is pinned to the address checked).
public struct WebhookTargetPolicy: Sendable {
    public var httpHosts: Set<String>
    public var allowedNetworks: [CIDR]

    public init(httpHosts: [String] = [], allowedNetworks: [CIDR] = []) {
        self.httpHosts = Set(httpHosts.map { $0.lowercased() })
        self.allowedNetworks = allowedNetworks
    }

    /// Addresses no webhook goes to (RFC 6890 special-purpose ranges, and the metadata services).
    public static let forbidden: [(network: CIDR, name: String)] = [
        ("0.0.0.0/8", "a 'this network' address"), ("10.0.0.0/8", "a private address"), ("100.64.0.0/10", "a shared (carrier NAT) address"),
        ("127.0.0.0/8", "a loopback address"), ("169.254.0.0/16", "a link-local or cloud metadata address"),
        ("172.16.0.0/12", "a private address"), ("192.0.0.0/24", "a protocol-assignment address"), ("192.0.2.0/24", "a documentation address"),
        ("192.168.0.0/16", "a private address"), ("198.18.0.0/15", "a benchmarking address"), ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"), ("224.0.0.0/4", "a multicast address"), ("240.0.0.0/4", "a reserved address"),
        ("::/128", "an unspecified address"), ("::1/128", "a loopback address"), ("::ffff:0:0/96", "an IPv4-mapped address"),
        ("64:ff9b::/96", "a NAT64 address"), ("100::/64", "a discard address"), ("2001:db8::/32", "a documentation address"),
        ("fc00::/7", "a private (unique local) address"), ("fe80::/10", "a link-local address"), ("ff00::/8", "a multicast address"),
        ("fd00:ec2::254/128", "a cloud metadata address"),
    ].map { (CIDR($0.0)!, $0.1) }

    /// A URL a subscription may name: its parts, or why not.
    public struct Target: Sendable, Equatable {
        public var url: String
        public var scheme: String
        /// As written, lowercased, without brackets.
        public var host: String
        public var port: Int

        public init(url: String, scheme: String, host: String, port: Int) { (self.url, self.scheme, self.host, self.port) = (url, scheme, host, port) }
    }

    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case plainHTTP(host: String)
        case address(host: String, address: String, kind: String)
        case unresolved(host: String)

        public var description: String {
            switch self {
            case .malformed(let why): "not a webhook URL: \(why)"
            case .plainHTTP(let host): "only https URLs are allowed (plain http only to hosts in CIVICGATE_WEBHOOK_ALLOW_HTTP, and \(host) is not)"
            case .address(let host, let address, let kind):
                "\(host) is or resolves to \(address), \(kind): not allowed (unless CIVICGATE_WEBHOOK_ALLOW_PRIVATE lists its network)"
            case .unresolved(let host): "\(host) does not resolve to any address"
            }
        }
    }

    /// The URL's scheme, host and port, or why it is not one a webhook may use (nothing resolved).
    public func target(_ text: String) -> Result<Target, Refusal> {
        let url = text.trimmingCharacters(in: .whitespaces)
        guard url.utf8.count <= 2000 else { return .failure(.malformed("longer than 2000 characters")) }
        guard !url.contains(where: { $0.isWhitespace || $0 == "\\" }), url.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x21 }) else {
            return .failure(.malformed("spaces, backslashes and characters outside ASCII are not allowed"))
        }
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), var host = parts.host?.lowercased(), !host.isEmpty else {
            return .failure(.malformed("give it as https://host/path"))
        }
        guard scheme == "https" || scheme == "http" else { return .failure(.malformed("the scheme must be https")) }
        guard parts.user == nil, parts.password == nil else { return .failure(.malformed("no user name or password in the URL")) }
        guard parts.fragment == nil else { return .failure(.malformed("no #fragment")) }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host = String(host.dropLast()) }
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" }) else {
            return .failure(.malformed("the host is not a name or an address"))
        }
        if scheme == "http", !httpHosts.contains(host) { return .failure(.plainHTTP(host: host)) }
        let port = parts.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { return .failure(.malformed("the port is out of range")) }
        // A host written as a number in another form (2130706433, 0x7f.1, 017700000001) is refused:
        // resolvers read those as addresses that would skip the check by name.
        if CIDR.bytes(host) == nil, host.split(separator: ".").last.map({ $0.allSatisfy { $0.isNumber } || $0.hasPrefix("0x") }) ?? false {
            return .failure(.malformed("the host is neither a name nor a dotted address"))
        }
        return .success(Target(url: url, scheme: scheme, host: host, port: port))
    }

    /// Why a resolved address may not be connected to; nil when it may.
    public func refusal(of address: String) -> String? {
        guard CIDR.bytes(address) != nil else { return "not an address" }
        if allowedNetworks.contains(where: { $0.contains(address) }) { return nil }
        // IPv4 inside IPv6 (::ffff:a.b.c.d, 64:ff9b::a.b.c.d) is checked as the IPv4 address it carries.
        return Self.forbidden.first(where: { $0.network.contains(address) })?.name
    }

    /// Every address of `target`'s host checked: all of them (the connection may use any), or why
    /// not. `resolve` gives the host's addresses (an address as written gives itself).
    public func check(_ target: Target, resolve: (String) -> [String]) -> Result<[String], Refusal> {
        let addresses = CIDR.bytes(target.host) != nil ? [target.host] : resolve(target.host)
        guard !addresses.isEmpty else { return .failure(.unresolved(host: target.host)) }
        // Any forbidden address refuses the host: a name that resolves to a public and a private
        // address could be steered to the private one by the resolver's order.
        for address in addresses {
            if let kind = refusal(of: address) { return .failure(.address(host: target.host, address: address, kind: kind)) }
        }
        return .success(addresses)
    }
}

/// Looks up a host's addresses (the system's resolver in production).
public protocol HostResolver: Sendable {
    func addresses(of host: String) -> [String]
}
