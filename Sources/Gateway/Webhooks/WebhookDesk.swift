import Domain
import Foundation

/// Subscriptions as an operator manages them (the CLI and the console's Webhooks page): a URL
/// checked before it is stored, the secret made here and shown once.
public struct WebhookDesk: Sendable {
    let store: any WebhookStore
    let policy: WebhookTargetPolicy
    let resolver: any HostResolver
    let catalogue: ServiceCatalogue
    let clock: any WallClock

    public init(store: any WebhookStore, policy: WebhookTargetPolicy, resolver: any HostResolver, catalogue: ServiceCatalogue, clock: any WallClock) {
        (self.store, self.policy, self.resolver, self.catalogue, self.clock) = (store, policy, resolver, catalogue, clock)
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unknownMOE(String, known: [String])
        case url(WebhookTargetPolicy.Refusal)
        case events(String)
        case tooMany(moe: String)

        public var description: String {
            switch self {
            case .unknownMOE(let moe, let known): "no MOE '\(moe)' in the catalogue: choose from \(known.joined(separator: ", "))"
            case .url(let refusal): refusal.description
            case .events(let why): why
            case .tooMany(let moe): "\(moe) has \(WebhookDesk.maxPerMOE) subscriptions already: remove one first"
            }
        }
    }

    public struct Added: Sendable, Equatable {
        public var id: Int64
        public var moe: String
        public var url: String
        public var events: [WebhookEventType]
        /// Shown once, never again.
        public var secret: WebhookSecret
    }

    public static let maxPerMOE = 20

    /// Checks the MOE, the events and the URL (its host resolved, every address checked), then
    /// stores the subscription with a new secret.
    public func add(moe: String, url: String, events: String?) async throws -> Result<Added, Problem> {
        guard catalogue.moe(moe) != nil else { return .failure(.unknownMOE(String(moe.prefix(40)), known: catalogue.moes.map(\.code))) }
        let types: [WebhookEventType]
        switch WebhookEventType.list(events ?? "") {
        case .success(let t): types = t
        case .failure(let e): return .failure(.events(e.description))
        }
        let target: WebhookTargetPolicy.Target
        switch policy.target(url) {
        case .success(let t): target = t
        case .failure(let refusal): return .failure(.url(refusal))
        }
        if case .failure(let refusal) = policy.check(target, resolve: resolver.addresses) { return .failure(.url(refusal)) }
        guard try await store.webhooks(moe: moe).count < Self.maxPerMOE else { return .failure(.tooMany(moe: moe)) }
        let secret = WebhookSecret.random()
        let id = try await store.addWebhook(moe: moe, url: target.url, events: types, secret: secret, at: clock.now())
        return .success(Added(id: id, moe: moe, url: target.url, events: types, secret: secret))
    }
}
