import Domain
import FlowEngine
import Foundation
import Gateway
import PostgresNIO
import PostgresStore
import Store
import TestSupport
import Testing

/// The USSD and SMS gateways over one store of each kind, with what a test needs to look inside.
struct ConversationWorld: Sendable {
    let ussd: UssdGateway
    let sms: SmsGateway
    let store: any ConversationStore
    let clock: TestClock
    let references: TestReferences
    let tickets: @Sendable () async throws -> Int
    let outbox: @Sendable (MSISDN) async throws -> [String]

    static func with(_ kind: StoreKind, maxReportsPerDay: Int = 10, _ body: (ConversationWorld) async throws -> Void) async throws {
        let definitions = try shippedDefinitions()
        let clock = TestClock(), references = TestReferences(seed: 5)
        var smsSettings = SmsGateway.Settings()
        smsSettings.maxReportsPerDay = maxReportsPerDay
        func world(_ store: any ConversationStore, tickets: @escaping @Sendable () async throws -> Int,
                   outbox: @escaping @Sendable (MSISDN) async throws -> [String]) -> ConversationWorld {
            ConversationWorld(
                ussd: UssdGateway(engine: definitions.engine(), store: store, clock: clock, references: { references.next() },
                                  settings: .init(maxReportsPerDay: maxReportsPerDay)),
                sms: SmsGateway(engine: definitions.smsEngine()!, store: store, clock: clock, references: { references.next() },
                                settings: smsSettings),
                store: store, clock: clock, references: references, tickets: tickets, outbox: outbox)
        }
        switch kind {
        case .sqlite:
            let db = try AppDatabase.inMemory()
            let rows = SQLiteTicketStore(db)
            try await body(world(SQLiteConversationStore(db), tickets: { try await rows.count() },
                                 outbox: { try await rows.outbox(for: $0).map(\.body) }))
        case .postgres:
            try await FreshPostgres.with { database in
                let client = database.client
                try await body(world(PostgresConversationStore(database), tickets: {
                    var n: Int64 = 0
                    for try await c in try await client.query("SELECT COUNT(*)::BIGINT FROM tickets").decode(Int64.self) { n = c }
                    return Int(n)
                }, outbox: { m in
                    var out: [String] = []
                    for try await b in try await client.query("SELECT body FROM outbox WHERE msisdn = \(m.e164) ORDER BY id").decode(String.self) { out.append(b) }
                    return out
                }))
            }
        }
    }
}

/// The conversation store's contract, written once and run on every store: through the real
/// gateways, as the aggregator drives them.
@Suite struct ConversationConformanceTests {
    let caller = MSISDN("+27821234567")!

    /// One hop with Africa's Talking's `*`-joined history.
    func hop(_ w: ConversationWorld, _ session: String, _ history: [String], phone: MSISDN? = nil) async -> UssdReply {
        await w.ussd.handle(UssdEvent(provider: "africastalking", sessionID: session, msisdn: phone ?? caller, serviceCode: "*120*1234#",
                                      network: "65501", input: .history(history.joined(separator: "*"))))
    }

    let report = ["1", "1", "1", "1", "1", "12 Vilakazi St"]

    @Test(arguments: StoreKind.available)
    func aReportIsStoredWithItsConfirmationAndARetryMakesNoSecondTicket(_ kind: StoreKind) async throws {
        try await ConversationWorld.with(kind) { w async throws in
            var history: [String] = []
            #expect(await hop(w, "s1", history).text.contains("Language"))
            for input in report {
                history.append(input)
                #expect(await !hop(w, "s1", history).isFinal)
            }
            history.append("1")
            let done = await hop(w, "s1", history)
            #expect(done.isFinal && done.text.contains("reference"))
            let retried = await hop(w, "s1", history)
            #expect(retried == done, "a retried hop gets the same reply")
            #expect(try await w.tickets() == 1)
            let confirmation = try await w.outbox(caller)
            #expect(confirmation.count == 1)
            let digits = String(done.text.filter(\.isNumber).suffix(9))
            #expect(confirmation.first.map { $0.filter(\.isNumber).contains(digits) } == true, "the SMS names the reference shown")
            // Tracking it from a new session: the public ticket is read back.
            _ = await hop(w, "s2", [])
            _ = await hop(w, "s2", ["2"])
            let tracked = await hop(w, "s2", ["2", digits])
            #expect(tracked.isFinal && tracked.text.hasPrefix("Ref "))
        }
    }

    @Test(arguments: StoreKind.available)
    func twoCopiesOfTheLastHopAtOnceMakeOneTicket(_ kind: StoreKind) async throws {
        try await ConversationWorld.with(kind) { w async throws in
            _ = await hop(w, "s1", [])
            for i in 1...report.count { _ = await hop(w, "s1", Array(report.prefix(i))) }
            async let a = hop(w, "s1", report + ["1"])
            async let b = hop(w, "s1", report + ["1"])
            let (first, second) = await (a, b)
            #expect(first == second)
            #expect(try await w.tickets() == 1)
        }
    }

    /// The daily cap is counted in the transaction that would add the ticket: two reports from one
    /// number finishing at once, with one report left today, make one ticket; the other caller is
    /// told why, and a retry of that hop gets the same answer.
    @Test(arguments: StoreKind.available)
    func twoReportsFinishingAtOnceWithOneLeftTodayMakeOneTicket(_ kind: StoreKind) async throws {
        try await ConversationWorld.with(kind, maxReportsPerDay: 1) { w async throws in
            for session in ["a", "b"] {
                _ = await hop(w, session, [])
                for i in 1...report.count { _ = await hop(w, session, Array(report.prefix(i))) }
            }
            async let a = hop(w, "a", report + ["1"])
            async let b = hop(w, "b", report + ["1"])
            let replies = await [a, b]
            #expect(try await w.tickets() == 1)
            let stored = replies.filter { $0.text.contains("reference") }
            let refused = replies.filter { !$0.text.contains("reference") }
            #expect(stored.count == 1 && refused.count == 1)
            #expect(refused.allSatisfy { $0.isFinal })
            let refusedSession = replies[0] == refused.first ? "a" : "b"
            #expect(await hop(w, refusedSession, report + ["1"]) == refused.first, "a retry gets the same answer")
            #expect(try await w.tickets() == 1)
            #expect(try await w.outbox(caller).count == 1, "one confirmation, for the one ticket")
        }
    }

    /// The same cap across channels: an SMS report and a USSD report from one number at once, with
    /// one report left today, make one ticket, and the one refused is told why in its channel.
    @Test(arguments: StoreKind.available)
    func anSMSAndAUSSDReportAtOnceWithOneLeftTodayMakeOneTicket(_ kind: StoreKind) async throws {
        try await ConversationWorld.with(kind, maxReportsPerDay: 1) { w async throws in
            _ = await hop(w, "u", [])
            for i in 1...report.count { _ = await hop(w, "u", Array(report.prefix(i))) }
            async let ussd = hop(w, "u", report + ["1"])
            async let sms: Void = w.sms.handle(InboundSMS(provider: "africastalking", providerID: "at-r1", from: caller, to: "31337",
                                                          text: "REPORT WATER burst pipe at 12 Vilakazi St"))
            let (reply, _) = await (ussd, sms)
            #expect(try await w.tickets() == 1)
            let smsReplies = try await w.outbox(caller).filter { !$0.contains("we received your report") }
            let ussdStored = reply.text.contains("reference")
            let smsStored = smsReplies.contains { $0.filter(\.isNumber).count >= 9 }
            #expect(ussdStored != smsStored, "exactly one of the two was stored")
            #expect(ussdStored || smsReplies.contains { $0.contains("limit") }, "the refused SMS is told why")
            #expect(!ussdStored ? reply.isFinal && reply.text.contains("limit") : true, "the refused call is told why")
        }
    }

    @Test(arguments: StoreKind.available)
    func aTakenReferenceIsDrawnAgainAndADroppedReportIsResumed(_ kind: StoreKind) async throws {
        try await ConversationWorld.with(kind) { w async throws in
            _ = await hop(w, "a", [])
            for i in 1...report.count { _ = await hop(w, "a", Array(report.prefix(i))) }
            let firstDraw = w.references.next()
            w.references.queue(firstDraw)
            let done = await hop(w, "a", report + ["1"])
            #expect(done.text.filter(\.isNumber).hasSuffix(firstDraw.digits))
            // The next report draws the same reference first: it is drawn again, not shared.
            w.references.queue(firstDraw)
            _ = await hop(w, "b", [])
            for i in 1...3 { _ = await hop(w, "b", Array(["1", "1", "1"].prefix(i))) }
            // Dropped mid-report; a redial within minutes offers to continue it.
            w.clock.advance(60)
            let offer = await hop(w, "c", [])
            #expect(offer.text.contains("unfinished"))
            _ = await hop(w, "c", ["1"])
            _ = await hop(w, "c", ["1", "1"])
            _ = await hop(w, "c", ["1", "1", "9 Main Rd"])
            let second = await hop(w, "c", ["1", "1", "9 Main Rd", "1"])
            #expect(second.isFinal)
            #expect(!second.text.filter(\.isNumber).hasSuffix(firstDraw.digits))
            #expect(try await w.tickets() == 2)
        }
    }

    @Test(arguments: StoreKind.available)
    func smsIsHandledOncePerProviderIdAndStopIsKept(_ kind: StoreKind) async throws {
        try await ConversationWorld.with(kind) { w async throws in
            for _ in 0..<2 {
                await w.sms.handle(InboundSMS(provider: "africastalking", providerID: "at-1", from: caller, to: "31337",
                                              text: "REPORT WATER burst pipe at 12 Vilakazi St"))
            }
            #expect(try await w.tickets() == 1, "the same provider id twice is one message")
            #expect(try await w.outbox(caller).count == 1)
            await w.sms.handle(InboundSMS(provider: "africastalking", providerID: "at-2", from: caller, to: "31337", text: "STOP"))
            await w.sms.handle(InboundSMS(provider: "africastalking", providerID: "at-3", from: caller, to: "31337", text: "HELP"))
            #expect(try await w.outbox(caller).count == 2, "the STOP confirmation, and nothing after it")
            let subscriber = try await w.store.read { try $0.subscriber(MSISDN("+27821234567")!) }
            #expect(subscriber?.optedOut == true)
        }
    }

    @Test(arguments: StoreKind.available)
    func oldSessionsAreSwept(_ kind: StoreKind) async throws {
        try await ConversationWorld.with(kind) { w async throws in
            _ = await hop(w, "old", [])
            w.clock.advance(3 * 3600)
            _ = await hop(w, "new", [], phone: MSISDN("+27829999999")!)
            #expect(try await w.ussd.sweepSessions(retention: 3600) == 1)
            #expect(try await w.store.read { try $0.session(key: "africastalking:new") } != nil)
            #expect(try await w.store.read { try $0.session(key: "africastalking:old") } == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func aReporterSayingTheirOverdueTicketIsLateIsRecordedOnceADayAndEscalated(_ kind: StoreKind) async throws {
        try await ConversationWorld.with(kind) { w async throws in
            await w.sms.handle(InboundSMS(provider: "africastalking", providerID: "r1", from: caller, to: "31337", text: "REPORT WATER burst pipe at 12 Vilakazi St"))
            let confirmation = try #require(try await w.outbox(caller).first)
            let reference = try Reference(parsing: String(confirmation.filter(\.isNumber).prefix(9)))
            w.clock.advance(49 * 3600)
            for (i, text) in ["LATE \(reference.digits)", "LATE \(reference.digits)"].enumerated() {
                await w.sms.handle(InboundSMS(provider: "africastalking", providerID: "l\(i)", from: caller, to: "31337", text: text))
            }
            let replies = try await w.outbox(caller)
            #expect(replies.count == 3 && replies[1] == replies[2] && replies[1].contains("supervisors"), "\(replies)")
            let facts = try await w.store.read { try $0.chaseFacts(reference, by: self.caller, since: w.clock.now().addingTimeInterval(-3600)) }
            #expect(facts?.chasedToday == true && facts?.escalationLevel == 1 && facts?.isReporter == true)
            let stranger = try await w.store.read { try $0.chaseFacts(reference, by: MSISDN("+27820000000")!, since: w.clock.now().addingTimeInterval(1)) }
            #expect(stranger?.isReporter == false && stranger?.chasedToday == false)
        }
    }
}
