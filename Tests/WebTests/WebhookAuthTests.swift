import Domain
import Foundation
import Gateway
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOCore
import Store
import TestSupport
import Testing
import Web

/// Webhooks are for the aggregator and the SMS provider only: with `CIVICGATE_WEBHOOK_TOKEN` set,
/// a request without the token (or with a wrong one) is refused and changes nothing.
@Suite struct WebhookAuthTests {
    static let token = "aggregator-secret-0123456789"

    static var security: WebSecurity {
        var s = WebSecurity()
        s.webhookToken = token
        return s
    }

    /// Every webhook route, with a body that would change something if it were accepted.
    static let attempts: [(String, HTTPRequest.Method, String?)] = [
        ("/ussd/africastalking", .post, "sessionId=s1&serviceCode=%2A120%2A1234%23&phoneNumber=%2B27821234567&networkCode=65501&text="),
        ("/ussd/truteq", .post, #"<ussd><type>1</type><msisdn>27821234567</msisdn><sessionid>9</sessionid><msg>*120*1234#</msg></ussd>"#),
        ("/sms/africastalking", .post, "from=%2B27821234567&to=31337&text=STOP&date=2026-11-30&id=at-1"),
        ("/sms/kannel?from=%2B27821234567&to=31337&text=STOP", .get, nil),
        ("/sms/kannel", .post, "from=%2B27821234567&to=31337&text=REPORT+WATER+burst+pipe+at+12+Vilakazi+St"),
        ("/dlr/africastalking", .post, "id=ATXid_1&status=Success&phoneNumber=%2B27821234567"),
        ("/dlr/kannel?id=1&status=1", .get, nil),
        ("/dlr/kannel", .post, "id=1&status=1"),
    ]

    func send(_ client: some TestClientProtocol, _ uri: String, _ method: HTTPRequest.Method, _ body: String?) async throws -> TestResponse {
        try await client.execute(uri: uri, method: method, headers: formHeaders, body: body.map { ByteBuffer(string: $0) })
    }

    func withToken(_ uri: String, _ token: String) -> String { uri + (uri.contains("?") ? "&" : "?") + "token=" + token }

    @Test func everyWebhookWithoutTheRightTokenIsRefusedAndChangesNothing() async throws {
        let world = try TestGateway()
        try await makeApp(world, security: Self.security).test(.router) { client async throws in
            for (uri, method, body) in Self.attempts {
                for attempt in [uri, withToken(uri, "wrong-token-0123456789"), withToken(uri, ""), withToken(uri, String(Self.token.dropLast()))] {
                    let r = try await send(client, attempt, method, body)
                    #expect(r.status == .unauthorized, "\(method) \(attempt)")
                }
            }
        }
        #expect(try await world.tickets.count() == 0)
        #expect(try await world.outbox.counts().isEmpty)
        let subscriber = try await world.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subscribers") }
        #expect(subscriber == 0, "nobody was opted out or given a language")
    }

    @Test func theRightTokenIsServedAsBefore() async throws {
        let world = try TestGateway()
        try await makeApp(world, security: Self.security).test(.router) { client async throws in
            let ussd = try await send(client, withToken("/ussd/africastalking", Self.token), .post, Self.attempts[0].2)
            #expect(ussd.status == .ok)
            #expect(String(buffer: ussd.body).hasPrefix("CON "))
            let sms = try await send(client, withToken("/sms/kannel", Self.token), .post,
                                     "from=%2B27821234567&to=31337&text=REPORT+WATER+burst+pipe+at+12+Vilakazi+St")
            #expect(sms.status == .ok)
        }
        #expect(try await world.tickets.count() == 1)
    }

    @Test func noTokenConfiguredKeepsWebhooksOpenOnLoopbackSetups() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client async throws in
            let r = try await send(client, Self.attempts[0].0, .post, Self.attempts[0].2)
            #expect(r.status == .ok)
        }
    }

    @Test func theAllowListRefusesOtherNetworksAndTrustsForwardingOnlyFromTrustedProxies() async throws {
        let world = try TestGateway()
        func status(_ security: WebSecurity, forwardedFor: String? = nil) async throws -> HTTPResponse.Status {
            try await makeApp(world, security: security).live { client async throws in
                var headers = formHeaders
                if let forwardedFor { headers[.init("X-Forwarded-For")!] = forwardedFor }
                return try await client.get("/sms/kannel?from=%2B27821234567&text=HELP", headers: headers).status
            }
        }
        var loopbackOnly = WebSecurity()
        loopbackOnly.webhookAllow = [CIDR("127.0.0.1/32")!]
        #expect(try await status(loopbackOnly) == .ok)
        var aggregatorNetwork = WebSecurity()
        aggregatorNetwork.webhookAllow = [CIDR("10.20.0.0/16")!]
        #expect(try await status(aggregatorNetwork) == .forbidden)
        // A client cannot claim an allowed address by sending its own X-Forwarded-For ...
        #expect(try await status(aggregatorNetwork, forwardedFor: "10.20.1.2") == .forbidden)
        // ... but a reverse proxy on loopback that is trusted can.
        var behindProxy = aggregatorNetwork
        behindProxy.trustedProxies = [CIDR("127.0.0.1/32")!]
        #expect(try await status(behindProxy, forwardedFor: "10.20.1.2") == .ok)
        #expect(try await status(behindProxy, forwardedFor: "10.20.1.2, 192.0.2.7") == .forbidden, "the right-most untrusted hop counts")
    }
}

/// Delivery reports cannot be forged: Kannel's carry a signature of the outbox id, and any
/// report only moves a message that was handed to the provider, never back from a final state.
@Suite struct DeliveryReportForgeryTests {
    @Test func unsignedOrWronglySignedKannelReportsAreRefused() async throws {
        let world = try TestGateway()
        let resident = MSISDN("+27821234567")!
        await world.sms.handle(InboundSMS(provider: "kannel", providerID: nil, from: resident, to: nil, text: "HELP"))
        try await makeApp(world).test(.router) { client async throws in
            // Counting ids without a signature marks nothing delivered.
            for id in 1...20 {
                #expect(try await client.execute(uri: "/dlr/kannel?id=\(id)&status=1", method: .get).status == .forbidden)
                #expect(try await client.execute(uri: "/dlr/kannel?id=\(id)&status=1&sig=00000000000000000000000000000000", method: .get).status == .forbidden)
            }
            // Another id's signature does not fit this id.
            let other = world.deliverySignature.sign(outboxID: 2)
            #expect(try await client.execute(uri: "/dlr/kannel?id=1&status=1&sig=\(other)", method: .get).status == .forbidden)
        }
        #expect(try await world.tickets.outbox(for: resident).map(\.status) == ["pending"])
        // Still sent: the sender claims it.
        #expect(try await world.outbox.claimDue(limit: 10, now: world.clock.now()).count == 1)
    }

    @Test func aSignedReportForAMessageNotYetHandedOverIsIgnoredAndFinalStatesStay() async throws {
        let world = try TestGateway()
        let resident = MSISDN("+27821234567")!
        await world.sms.handle(InboundSMS(provider: "kannel", providerID: nil, from: resident, to: nil, text: "HELP"))
        await world.sms.handle(InboundSMS(provider: "kannel", providerID: nil, from: resident, to: nil, text: "LANG"))
        try await makeApp(world).test(.router) { client async throws in
            let sig1 = world.deliverySignature.sign(outboxID: 1)
            // Queued, not yet sent: a (replayed) report does not mark it delivered.
            #expect(try await client.execute(uri: "/dlr/kannel?id=1&status=1&sig=\(sig1)", method: .get).status == .ok)
            #expect(try await world.tickets.outbox(for: resident).map(\.status) == ["pending", "pending"])
            let claimed = try await world.outbox.claimDue(limit: 10, now: world.clock.now())
            try await world.outbox.record(claimed.map { ($0, SendResult.accepted(providerID: $0.id == 2 ? "ATXid_2" : nil)) },
                                          now: world.clock.now(), retry: .init())
            #expect(try await client.execute(uri: "/dlr/kannel?id=1&status=1&sig=\(sig1)", method: .get).status == .ok)
            // Delivered is final: a later "not delivered" does not undo it.
            #expect(try await client.execute(uri: "/dlr/kannel?id=1&status=2&sig=\(sig1)", method: .get).status == .ok)
            // Africa's Talking reports name the provider's id, which only a sent message has.
            let forged = try await client.execute(uri: "/dlr/africastalking", method: .post, headers: formHeaders,
                                                  body: form(["id": "ATXid_999", "status": "Success", "phoneNumber": "+27821234567"]))
            #expect(forged.status == .ok)
            let real = try await client.execute(uri: "/dlr/africastalking", method: .post, headers: formHeaders,
                                                body: form(["id": "ATXid_2", "status": "Success", "phoneNumber": "+27821234567"]))
            #expect(real.status == .ok)
        }
        #expect(try await world.tickets.outbox(for: resident).map(\.status) == ["delivered", "delivered"])
    }

    @Test func aSignatureFitsOnlyItsOwnIdAndKey() throws {
        let signature = DeliverySignature(secret: Array(repeating: 7, count: 32))
        let sig = signature.sign(outboxID: 42)
        #expect(sig.count == 32 && sig.allSatisfy(\.isHexDigit))
        #expect(signature.verify(outboxID: 42, signature: sig))
        #expect(signature.verify(outboxID: 42, signature: sig.uppercased()))
        #expect(!signature.verify(outboxID: 43, signature: sig))
        #expect(!DeliverySignature(secret: Array(repeating: 8, count: 32)).verify(outboxID: 42, signature: sig))
    }
}
