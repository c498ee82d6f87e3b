import Domain
import HTTPTypes
import Hummingbird
import NIOCore

/// Who the client is: the TCP peer, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy. A client cannot claim
/// an address by sending its own `X-Forwarded-For`: only entries added by trusted proxies count.
public struct ClientAddressResolver: Sendable {
    public let trustedProxies: [CIDR]
    static let loopback = CIDR("127.0.0.0/8")!

    public init(trustedProxies: [CIDR]) { self.trustedProxies = trustedProxies }

    public func resolve(peer: String?, forwardedFor: [String]) -> String {
        guard let peer else { return "unknown" }
        guard trustedProxies.containsAddress(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard CIDR.bytes(hop) != nil else { return peer }  // garbage in the chain: trust nothing past it
            if !trustedProxies.containsAddress(hop) { return hop }
        }
        return hops.first ?? peer
    }
}

/// Notes the forwarding headers and the trusted proxies in the context, before any route.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let resolver: ClientAddressResolver

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var context = context
        context.resolver = resolver
        context.forwardedFor = request.headers[values: .xForwardedFor]
        context.forwarded = !context.forwardedFor.isEmpty || request.headers[.forwardedHeader] != nil
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let forwardedHeader = Self("Forwarded")!
}
