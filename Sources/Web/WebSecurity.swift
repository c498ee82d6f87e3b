import Domain
import Foundation
import Gateway

/// How the gateway defends itself on the open internet; read once from the environment in `main`.
public struct WebSecurity: Sendable {
    /// `CIVICGATE_WEBHOOK_TOKEN`: every `/ussd/*`, `/sms/*`, `/dlr/*` request must carry `token=`.
    public var webhookToken: String?
    /// `CIVICGATE_WEBHOOK_ALLOW`: when not empty, webhooks only from these networks.
    public var webhookAllow: [CIDR] = []
    /// `CIVICGATE_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` names the client.
    public var trustedProxies: [CIDR] = []
    /// `CIVICGATE_METRICS_TOKEN`: Bearer token for `/metrics` and `/healthz?detail=1`; without it
    /// only a direct loopback peer is answered.
    public var metricsToken: String?
    /// `CIVICGATE_PUBLIC_URL` is https: Secure cookies and HSTS.
    public var https = false
    public var limits = RateLimits()

    public init() {}
}

/// Requests per client address: a burst, then a steady rate. Past it, 429 with `Retry-After`.
public struct RateLimits: Sendable {
    public typealias Rule = BucketRule

    public var signIn = Rule(burst: 10, perMinute: 10)
    public var open311Post = Rule(burst: 30, perMinute: 60)
    public var bulk = Rule(burst: 5, perMinute: 10)
    public var moeAPI = Rule(burst: 120, perMinute: 600)
    /// The whole open dataset is a table scan: a few downloads a minute per address.
    public var openData = Rule(burst: 3, perMinute: 2)
    /// The planned-works calendar and incidents feed: small, and polled by calendars and radio stations.
    public var feeds = Rule(burst: 20, perMinute: 30)

    public init() {}
}
