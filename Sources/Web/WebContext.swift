import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core storage, the TCP peer, and the client
/// address decided once per request by `ClientAddressMiddleware` (the peer, or what a trusted
/// proxy says in `X-Forwarded-For`). Every per-address decision reads `clientAddress`.
public struct WebContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The client as far as we can trust: used for throttles, the allow-list and the audit log.
    public var clientAddress = "unknown"
    /// The peer is this machine and no proxy forwarded the request: only such a request sees
    /// `/metrics` and `/healthz?detail=1` when no metrics token is configured.
    public var isDirectLoopback = false

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
