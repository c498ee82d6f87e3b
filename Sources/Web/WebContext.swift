import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core storage, the TCP peer, and what
/// `ClientAddressMiddleware` noted of the forwarding headers. Every per-address decision reads
/// `clientAddress` (the peer, or what a trusted proxy says in `X-Forwarded-For`); it is worked
/// out only when a route asks, so a USSD hop that needs no address pays nothing for it.
public struct WebContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    var resolver = ClientAddressResolver(trustedProxies: [])
    var forwardedFor: [String] = []
    var forwarded = false

    /// The client as far as we can trust: used for throttles, the allow-list and the audit log.
    public var clientAddress: String { resolver.resolve(peer: remoteAddress?.ipAddress, forwardedFor: forwardedFor) }

    /// The peer is this machine and no proxy forwarded the request: only such a request sees
    /// `/metrics` and `/healthz?detail=1` when no metrics token is configured.
    public var isDirectLoopback: Bool {
        guard !forwarded, let peer = remoteAddress?.ipAddress else { return false }
        return peer == "::1" || ClientAddressResolver.loopback.contains(peer)
    }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
