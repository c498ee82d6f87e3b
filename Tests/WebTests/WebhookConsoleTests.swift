import Domain
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing
import Web

/// The admin's Webhooks page and the OpenAPI document, through the real app (nothing is sent:
/// no sender runs, and the resolver is a stand-in).
@Suite struct WebhookConsoleTests {
    struct Resolver: HostResolver {
        func addresses(of host: String) -> [String] { host == "inside.example" ? ["10.0.0.5"] : ["8.8.8.8"] }
    }

    static func app(_ world: TestGateway) -> some ApplicationProtocol {
        var services = world.web
        services.webhooks = WebhookDesk(store: world.staff, policy: WebhookTargetPolicy(), resolver: Resolver(), catalogue: world.gateway.engine.catalogue,
                                        clock: world.clock)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return WebApp.application(services, configuration: WebConfiguration(port: 0), logger: logger)
    }

    @Test func anAdminAddsAWebhookSeesTheSecretOnceItsDeliveriesResendsAndRemovesIt() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        try await world.user("admin", moe: "municipal", role: .admin)
        try await Self.app(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            _ = try await browser.signIn("thandi", TestGateway.password)
            #expect(try await browser.get("/console/admin/webhooks").status == .notFound, "admins only")
            _ = try await browser.post("/console/sign-out", [])
            _ = try await browser.signIn("admin", TestGateway.password)
            #expect(try await browser.get("/console/admin").body.contains("/console/admin/webhooks"))
            #expect(try await browser.get("/console/admin/webhooks").body.contains("No webhooks yet."))

            // Refused with the reason: plain http, an address inside, an unknown event; a form without its CSRF token.
            let http = try await browser.post("/console/admin/webhooks", [("moe", "water"), ("url", "http://maximo.example/hook")])
            #expect(http.status == .unprocessableContent && http.body.contains("only https URLs"))
            let inside = try await browser.post("/console/admin/webhooks", [("moe", "water"), ("url", "https://inside.example/hook")])
            #expect(inside.status == .unprocessableContent && inside.body.contains("10.0.0.5, a private address"))
            let event = try await browser.post("/console/admin/webhooks", [("moe", "water"), ("url", "https://maximo.example/hook"), ("event", "ticket.deleted")])
            #expect(event.status == .unprocessableContent && event.body.contains("unknown event"))
            let forged = try await browser.post("/console/admin/webhooks", [("moe", "water"), ("url", "https://maximo.example/hook")], csrf: "forged")
            #expect(forged.status != .ok && !forged.body.contains("whsec_"))
            _ = try await browser.get("/console/admin/webhooks")

            let added = try await browser.post("/console/admin/webhooks", [("moe", "water"), ("url", "https://maximo.example/<hook>"),
                                                                            ("event", "ticket.created"), ("event", "ticket.changed")])
            #expect(added.status == .ok)
            let secret = try #require(added.body.range(of: #"whsec_[A-Za-z0-9+/=]+"#, options: .regularExpression).map { String(added.body[$0]) })
            #expect(WebhookSecret(secret) != nil && !added.body.contains("<hook>") && added.body.contains("&lt;hook&gt;"))
            let page = try await browser.get("/console/admin/webhooks")
            #expect(!page.body.contains(secret), "shown once")
            #expect(page.body.contains("ticket.changed, ticket.created") && page.body.contains("active"))
            let subscription = try #require(try await world.staff.webhooks(moe: "water").first)

            // A report of water queues a message: listed with its state, resendable once sent.
            _ = try await world.report("water", "burst_pipe")
            #expect(try await world.staff.webhooks(moe: "water").first?.pending == 1)
            let message = try #require(try await world.staff.claimWebhookMessages(limit: 1, now: world.clock.now(), retry: .init()).first)
            _ = try await world.staff.recordWebhook(message, .failed(status: 500, error: "HTTP 500: <b>down</b>"), now: world.clock.now(), retry: .init())
            let deliveries = try await browser.get("/console/admin/webhooks/\(subscription.id)")
            #expect(deliveries.body.contains(message.messageID) && deliveries.body.contains("ticket.created") && deliveries.body.contains("HTTP 500"))
            #expect(deliveries.body.contains("&lt;b&gt;down&lt;/b&gt;") && !deliveries.body.contains("<b>down"))
            let deliveryID = try #require(try await world.staff.webhookDeliveries(subscription: subscription.id, moe: nil, limit: 1).first?.id)
            let resent = try await browser.post("/console/admin/webhooks/\(subscription.id)/messages/\(deliveryID)/resend", [])
            #expect(resent.status == .seeOther)
            #expect(try await browser.get("/console/admin/webhooks/\(subscription.id)?done=resent").body.contains("Queued to be sent again"))
            #expect(try await world.staff.webhookDeliveries(subscription: subscription.id, moe: nil, limit: 1).first?.state == .pending)
            let audit = try await browser.get("/console/audit")
            #expect(audit.body.contains("webhook added") && audit.body.contains("webhook resent"))

            let removed = try await browser.post("/console/admin/webhooks/\(subscription.id)/remove", [])
            #expect(removed.status == .seeOther)
            #expect(try await browser.get("/console/admin/webhooks?done=remove").body.contains("Webhook removed"))
            #expect(try await world.staff.webhooks(moe: nil).isEmpty)
        }
    }

    /// Served to anyone, the same bytes as docs/openapi.json, and every /api/v1 route the router
    /// has is described there (and nothing else is).
    @Test func theOpenAPIDocumentIsPublicMatchesDocsAndDescribesEveryAPIRoute() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            let r = try await client.execute(uri: "/api/v1/openapi.json", method: .get)
            #expect(r.status == .ok && r.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(Array(r.body.readableBytesView) == OpenAPIDocument.json)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            #expect(Set(((document["webhooks"] as? [String: Any]) ?? [:]).keys) == Set(WebhookEventType.allCases.map(\.rawValue)))
        }
        let kept = try Data(contentsOf: repositoryRoot.appendingPathComponent("docs/openapi.json"))
        #expect(Array(kept) == OpenAPIDocument.json, "docs/openapi.json is stale: civicgate openapi > docs/openapi.json")
        let router = WebApp.router(world.web, configuration: WebConfiguration(port: 0), logger: Logger(label: "test"))
        let routes = Set(router.routes.map { "\($0.method) \($0.path)" }.filter { $0.contains(" /api/v1/") })
        #expect(routes == OpenAPIDocument.operations, "undocumented: \(routes.subtracting(OpenAPIDocument.operations)); gone: \(OpenAPIDocument.operations.subtracting(routes))")
    }
}
