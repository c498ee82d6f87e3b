import Domain
import FlowEngine
import Foundation
import Gateway
import Logging
import SMS
import Store
import Synchronization
import TestSupport
import Testing

/// The sender against loopback stubs of Kannel and Africa's Talking, asserting the exact requests.
@Suite struct OutboxSenderTests {
    static let to = MSISDN("+27821234567")!

    /// A world with `bodies` queued for one number.
    func queued(_ bodies: [String]) async throws -> TestGateway {
        let world = try TestGateway()
        var write = HopWrite(session: nil, at: world.clock.now())
        write.msisdn = Self.to
        write.messages = bodies.map { OutboundSMS(to: Self.to, body: $0) }
        #expect(try await SQLiteConversationStore(world.database).write(write) == .committed)
        return world
    }

    func sender(_ world: TestGateway, _ provider: any SMSProvider, maxAttempts: Int = 6) -> OutboxSender {
        var settings = OutboxSender.Settings()
        settings.ratePerSecond = 10_000
        settings.retry = RetryPolicy(firstDelay: 2, cap: 60, maxAttempts: maxAttempts)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return OutboxSender(store: world.outbox, provider: provider, clock: world.clock, settings: settings, logger: logger)
    }

    func kannel(_ port: Int, signature: DeliverySignature? = nil, token: String? = nil) -> KannelProvider {
        KannelProvider(client: CurlClient(workers: 2, timeouts: Self.patient), settings: .init(
            url: "http://127.0.0.1:\(port)/cgi-bin/sendsms", username: "civic", password: "p&ss word", sender: "40001",
            publicURL: "http://127.0.0.1:8080", signature: signature, webhookToken: token))
    }

    /// The stub providers run in this test process, beside hundreds of other tests on two cores:
    /// a slow answer here is the machine, not the provider, and must not count as a timeout.
    static let patient: CurlClient.Timeouts = {
        var t = CurlClient.Timeouts()
        t.connectMilliseconds = 30_000
        t.totalMilliseconds = 60_000
        return t
    }()

    func africasTalking(_ port: Int) -> AfricasTalkingProvider {
        AfricasTalkingProvider(client: CurlClient(workers: 2, timeouts: Self.patient), settings: .init(
            url: "http://127.0.0.1:\(port)/version1/messaging", username: "sandbox", apiKey: "secret-key", sender: "CivicGate"))
    }

    @Test func kannelGetsTheExactSendsmsRequestAndTheMessageIsSent() async throws {
        let world = try await queued(["Ref 482 109 375: New. 1*2 #3 & more"])
        let stub = ProviderStub { _ in (202, "0: Accepted for delivery") }
        let claimed = try await stub.run { port in
            try await sender(world, kannel(port, signature: world.deliverySignature, token: "tok-0123456789abcdef")).sendBatch()
        }
        #expect(claimed == 1)
        let request = try #require(stub.requests.first)
        #expect(request.method == "GET")
        // The delivery-report URL carries the outbox id's signature and the webhook token.
        let sig = world.deliverySignature.sign(outboxID: 1)
        #expect(request.uri == "/cgi-bin/sendsms?username=civic&password=p%26ss%20word&to=%2B27821234567&from=40001&dlr-mask=31"
            + "&dlr-url=http%3A%2F%2F127.0.0.1%3A8080%2Fdlr%2Fkannel%3Fid%3D1%26status%3D%25d%26sig%3D\(sig)%26token%3Dtok-0123456789abcdef"
            + "&text=Ref%20482%20109%20375%3A%20New.%201%2A2%20%233%20%26%20more")
        #expect(try await world.tickets.outbox(for: Self.to).map(\.status) == ["sent"])
    }

    @Test func textOutsideGSM7GoesToKannelAsUCS2() async throws {
        let world = try await queued(["Dankie, môre"])
        let stub = ProviderStub { _ in (202, "0: Accepted for delivery") }
        try await stub.run { port in _ = try await sender(world, kannel(port)).sendBatch() }
        let uri = try #require(stub.requests.first?.uri)
        #expect(uri.contains("&coding=2&charset=UTF-16BE&text=%00D%00a%00n%00k%00i%00e%00%2C%00%20%00m%00%F4%00r%00e"))
    }

    @Test func africasTalkingGetsTheExactRequestAndItsMessageIdIsKept() async throws {
        let world = try await queued(["Your reference is 482 109 375."])
        let stub = ProviderStub { _ in
            (201, #"{"SMSMessageData":{"Message":"Sent to 1/1 Total Cost: ZAR 0.2","Recipients":[{"statusCode":101,"number":"+27821234567","status":"Success","cost":"ZAR 0.2","messageId":"ATXid_abc123"}]}}"#)
        }
        try await stub.run { port in _ = try await sender(world, africasTalking(port)).sendBatch() }
        let request = try #require(stub.requests.first)
        #expect(request.method == "POST")
        #expect(request.uri == "/version1/messaging")
        #expect(request.headers["apiKey"] == "secret-key")
        #expect(request.headers["Accept"] == "application/json")
        #expect(request.headers["Content-Type"] == "application/x-www-form-urlencoded")
        #expect(request.body == "username=sandbox&to=%2B27821234567&message=Your%20reference%20is%20482%20109%20375.&from=CivicGate")
        #expect(try await world.tickets.outbox(for: Self.to).map(\.status) == ["sent"])
        // Its delivery report finds it by the provider's id.
        #expect(try await world.outbox.apply(DeliveryReport(message: .providerID("ATXid_abc123"), state: .delivered), now: world.clock.now()))
        #expect(try await world.tickets.outbox(for: Self.to).map(\.status) == ["delivered"])
    }

    @Test func aProviderOutageIsRiddenOutAndTheMessageDeliveredExactlyOnce() async throws {
        let world = try await queued(["Your request 482 109 375 is resolved."])
        let stub = ProviderStub { n in n < 3 ? (503, "Service unavailable") : (202, "0: Accepted for delivery") }
        try await stub.run { port in
            let sender = sender(world, kannel(port))
            for _ in 0..<10 {
                try await sender.sendBatch()
                world.clock.advance(60)
            }
        }
        #expect(stub.requests.count == 4)
        let queue = try await world.tickets.outbox(for: Self.to)
        #expect(queue.map(\.status) == ["sent"])
    }

    @Test func theFirstRetryComesWithinFiveSecondsAndBackOffIsCapped() {
        let policy = RetryPolicy(firstDelay: 2, cap: 60, maxAttempts: 10)
        #expect(policy.delay(afterAttempt: 1) <= 5)
        #expect((1...9).map { policy.delay(afterAttempt: $0) } == [2, 4, 8, 16, 32, 60, 60, 60, 60])
    }

    @Test func aPermanentErrorFailsTheMessageWithoutRetrying() async throws {
        let world = try await queued(["Hello"])
        let stub = ProviderStub { _ in (400, "Invalid destination") }
        try await stub.run { port in
            let sender = sender(world, kannel(port))
            for _ in 0..<5 {
                try await sender.sendBatch()
                world.clock.advance(600)
            }
        }
        #expect(stub.requests.count == 1)
        #expect(try await world.tickets.outbox(for: Self.to).map(\.status) == ["failed"])
    }

    @Test(arguments: [(403, "InvalidPhoneNumber"), (405, "InsufficientBalance"), (406, "UserInBlacklist")])
    func africasTalkingRecipientErrorsArePermanent(code: Int, status: String) async throws {
        let world = try await queued(["Hello"])
        let stub = ProviderStub { _ in
            (201, #"{"SMSMessageData":{"Message":"Sent to 0/1","Recipients":[{"statusCode":\#(code),"number":"+27821234567","status":"\#(status)","cost":"0","messageId":"None"}]}}"#)
        }
        try await stub.run { port in
            let sender = sender(world, africasTalking(port))
            try await sender.sendBatch()
            world.clock.advance(600)
            try await sender.sendBatch()
        }
        #expect(stub.requests.count == 1)
        #expect(try await world.tickets.outbox(for: Self.to).map(\.status) == ["failed"])
    }

    @Test func afterTheLastAttemptAMessageIsVisiblyFailed() async throws {
        let world = try await queued(["Hello"])
        let stub = ProviderStub { _ in (503, "busy") }
        try await stub.run { port in
            let sender = sender(world, africasTalking(port), maxAttempts: 3)
            for _ in 0..<6 {
                try await sender.sendBatch()
                world.clock.advance(600)
            }
        }
        #expect(stub.requests.count == 3)
        #expect(try await world.tickets.outbox(for: Self.to).map(\.status) == ["failed"])
    }

    @Test func anUnreachableProviderIsATemporaryError() async throws {
        let world = try await queued(["Hello"])
        // Nothing listens on port 9 of loopback: connection refused.
        try await sender(world, kannel(9)).sendBatch()
        let queue = try await world.tickets.outbox(for: Self.to)
        #expect(queue.map(\.status) == ["pending"])
    }

    @Test func messagesLeftInFlightByACrashAreSentAgain() async throws {
        let world = try await queued(["Hello"])
        let claimed = try await world.outbox.claimDue(limit: 10, now: world.clock.now())
        #expect(claimed.count == 1)
        // ...the process dies here, before recording the result.
        #expect(try await world.outbox.releaseClaims() == 1)
        #expect(try await world.outbox.claimDue(limit: 10, now: world.clock.now()).map(\.id) == claimed.map(\.id))
    }
}

@Suite struct SMSMeasureTests {
    @Test func gsm7AndUCS2SegmentsAreCounted() {
        #expect(SMSMeasure.of(String(repeating: "a", count: 160)) == SMSMeasure(coding: .gsm7, units: 160, segments: 1))
        #expect(SMSMeasure.of(String(repeating: "a", count: 161)).segments == 2)
        #expect(SMSMeasure.of(String(repeating: "a", count: 306)).segments == 2)
        #expect(SMSMeasure.of(String(repeating: "a", count: 307)).segments == 3)
        #expect(SMSMeasure.of(String(repeating: "€", count: 80)) == SMSMeasure(coding: .gsm7, units: 160, segments: 1))
        #expect(SMSMeasure.of(String(repeating: "€", count: 81)).segments == 2)
        #expect(SMSMeasure.of("môre" + String(repeating: "a", count: 66)) == SMSMeasure(coding: .ucs2, units: 70, segments: 1))
        #expect(SMSMeasure.of("môre" + String(repeating: "a", count: 67)).segments == 2)
        #expect(SMSMeasure.of(String(repeating: "ê", count: 135)).segments == 3)
    }

    /// Every SMS the gateway sends, in every language, with the longest real values, measured as it
    /// is sent (`SMSMeasure.cheapest`): English fits one segment where it can and none exceeds three.
    /// MYDATA's answer (what is kept, for how long, how to ask) takes two.
    @Test func everySMSTemplateFitsThreeSegments() throws {
        let definitions = try shippedDefinitions()
        let worst = ["reference": "999 999 999", "status": "Acknowledged", "update": String(repeating: "x", count: 60),
                     "languages": "EN, ZU, AF", "fault": "Fallen or exposed cable", "service": "Electricity"]
        for locale in definitions.locales.ordered {
            for (key, template) in locale.strings where key.hasPrefix("sms.") {
                let text = Template.fill(template, worst)
                let measure = SMSMeasure.of(SMSMeasure.cheapest(text))
                #expect(measure.segments <= 3, "\(locale.code) \(key): \(measure.segments) segments")
                if locale.code == "en" && !["sms.ticket_created", "sms.status_update", "sms.mydata"].contains(key) {
                    #expect(measure.segments == 1, "en \(key) takes \(measure.segments) segments: \(text)")
                }
            }
        }
    }
}

/// A sender working through a long batch renews its claim every `claimRenewal`, for the messages it
/// has not sent yet, so another instance never takes them over while it is alive.
@Suite struct OutboxClaimRenewalTests {
    /// The store as the sender sees it, noting each renewal.
    final class Renewals: OutboxStore {
        let store: any OutboxStore
        let renewed = Mutex<[[Int64]]>([])
        let failing: Bool
        init(store: any OutboxStore, failing: Bool = false) { (self.store, self.failing) = (store, failing) }
        struct Down: Error {}
        func claimDue(limit: Int, now: Date, cap: DailySMSCap?, quietUntil: Date?, pseudonyms: Pseudonyms?) async throws -> [OutboxMessage] {
            try await store.claimDue(limit: limit, now: now, cap: cap, quietUntil: quietUntil, pseudonyms: pseudonyms)
        }
        func record(_ results: [(OutboxMessage, SendResult)], now: Date, retry: RetryPolicy) async throws {
            try await store.record(results, now: now, retry: retry)
        }
        func releaseClaims() async throws -> Int { try await store.releaseClaims() }
        func renewClaims(_ ids: [Int64], now: Date) async throws {
            renewed.withLock { $0.append(ids) }
            if failing { throw Down() }
        }
        func nextDue() async throws -> Date? { try await store.nextDue() }
        func apply(_ reports: [DeliveryReport], now: Date) async throws -> [Bool] { try await store.apply(reports, now: now) }
    }

    /// A provider that takes ten seconds of the test clock to accept each message.
    struct Slow: SMSProvider {
        let clock: TestClock
        func send(_ message: OutboxMessage) async -> SendResult {
            clock.advance(10)
            return .accepted(providerID: nil)
        }
    }

    @Test(arguments: [false, true])
    func aLongBatchRenewsTheClaimOnWhatIsLeft(_ renewalFails: Bool) async throws {
        let world = try await OutboxSenderTests().queued((1...5).map { "message \($0)" })
        let store = Renewals(store: world.outbox, failing: renewalFails)
        var settings = OutboxSender.Settings()
        settings.ratePerSecond = 10_000
        settings.claimRenewal = 15
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let sender = OutboxSender(store: store, provider: Slow(clock: world.clock), clock: world.clock, settings: settings, logger: logger)
        #expect(try await sender.sendBatch() == 5)
        let renewed = store.renewed.withLock { $0 }
        // Sent at 0, 10, 20, 30, 40 s: renewed before the third (20 s) and the fifth (40 s).
        #expect(renewed.map(\.count) == [3, 1], "\(renewed)")
        #expect(try await world.outbox.counts() == [.sent: 5], "every message sent is recorded, even when a renewal fails")
    }
}

/// The sender keeps area alerts for the morning: at 21:00 local it sends the reply that is due and
/// leaves the alert; at 07:00 it sends the alert.
@Suite struct QuietHoursSenderTests {
    final class Recorder: SMSProvider, Sendable {
        let sent = Mutex<[String]>([])
        func send(_ message: OutboxMessage) async -> SendResult {
            sent.withLock { $0.append(message.body) }
            return .accepted(providerID: nil)
        }
    }

    @Test func anAlertQueuedAtNightLeavesAtSevenAndAReplyAtOnce() async throws {
        let world = try TestGateway()
        let engine = world.gateway.engine, calendar = engine.settings.calendar
        let night = calendar.at(hour: 21, on: calendar.startOfNextDay(world.clock.now()))
        world.clock.advance(night.timeIntervalSince(world.clock.now()))
        let number = MSISDN("+27821239001")!
        await world.sms.handle(InboundSMS(provider: "test", providerID: nil, from: number, to: nil, text: "ALERTS Soweto"))
        _ = try await IncidentDesk(store: world.staff, engine: engine, clock: world.clock)
            .declare(IncidentDraft(service: "water", areas: ["soweto"], description: "Main burst"), moe: "water", actor: "t", address: nil)
        #expect(try await AreaAlertJob(store: world.staff, engine: engine, clock: world.clock).run() == 1)
        let provider = Recorder()
        var settings = OutboxSender.Settings()
        settings.ratePerSecond = 10_000
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let sender = OutboxSender(store: world.outbox, provider: provider, clock: world.clock, settings: settings, logger: logger)
        while try await sender.sendBatch() > 0 {}
        #expect(provider.sent.withLock { $0.count } == 1 && provider.sent.withLock { $0[0] }.hasPrefix("Alerts on"))
        world.clock.advance(10 * 3600 - 60)  // 06:59
        #expect(try await sender.sendBatch() == 0)
        world.clock.advance(60)
        #expect(try await sender.sendBatch() == 1)
        #expect(provider.sent.withLock { $0.last }?.contains("Main burst") == true)
    }
}
