import Domain
import FlowEngine
import Foundation
import Gateway
import Store
import TestSupport
import Testing

@Suite struct UssdGatewayTests {
    /// Given a returning English caller, when they report a burst pipe in Soweto at `address`,
    /// then they see the reference on the END screen.
    func report(_ phone: Phone, address: String = "12 Vilakazi St", world: TestGateway) async throws -> (UssdReply, Reference) {
        try await answer(phone, ["1", "1", "1", "1", address], world: world)
        let done = await phone.send("1")
        let digits = done.text.filter(\.isNumber).suffix(9)
        return (done, try Reference(parsing: String(digits)))
    }

    /// A returning English caller dials and gives `inputs`.
    func answer(_ phone: Phone, _ inputs: [String], world: TestGateway) async throws {
        let caller = phone.caller, now = world.clock.now()
        try await SQLiteConversationStore(world.database).transaction { tx in try tx.setLanguage("en", for: caller, at: now) }
        await phone.dial()
        for input in inputs { await phone.send(input) }
    }

    @Test func aReportIsStoredRoutedRecordedAndConfirmedBySMS() async throws {
        let world = try TestGateway()
        let phone = Phone("+27821234567", gateway: world.gateway)
        let (done, reference) = try await report(phone, world: world)
        #expect(done.isFinal)
        #expect(done.text.contains(reference.grouped))
        #expect(try await world.tickets.count() == 1)
        #expect(try await world.tickets.destination(of: reference) == Destination(moe: "water", queue: "water-south"))
        let ticket = try #require(try await world.tickets.publicTicket(reference))
        #expect(ticket.status == .new)
        #expect(ticket.service == "water" && ticket.fault == "burst_pipe" && ticket.area == "soweto")
        #expect(try await world.tickets.history(of: reference).map(\.kind) == ["created"])
        let sms = try await world.tickets.outbox(for: phone.caller)
        #expect(sms.count == 1)
        #expect(sms.first?.body.contains(reference.grouped) == true)
        #expect(sms.first?.status == "pending")
    }

    /// USSD track offers a reporter what the SMS `LATE` keyword and the survey's digit do, and
    /// records the same: a chase with its escalation, a rating, a "not fixed" that reopens.
    @Test func aReporterTrackingTheirOwnTicketSaysItIsLateRatesItOrReopensIt() async throws {
        let world = try TestGateway()
        let phone = Phone("+27821234567", gateway: world.gateway), stranger = Phone("+27827654321", gateway: world.gateway)
        let (_, late) = try await report(phone, world: world)
        world.clock.advance(25 * 3600)  // a burst pipe: resolve within 24 hours
        try await answer(stranger, ["2"], world: world)
        #expect(await stranger.send(late.digits).isFinal, "not a reporter: the status, no offer")
        try await answer(phone, ["2"], world: world)
        #expect(await phone.send(late.digits).text.contains("1 Tell the supervisors it is late"))
        #expect(await phone.send("1").text.contains("we have told the supervisors"))
        let ticket = try #require(try await world.staff.ticket(late, moe: "water"))
        #expect(ticket.escalationLevel == 1)
        #expect(try await world.tickets.history(of: late).map(\.kind).suffix(2) == ["chased", "escalated"])

        try await world.update(late, to: .resolved, publicUpdate: "Pipe replaced")
        world.clock.advance(3700)
        #expect(try await SurveyJob(store: world.staff, engine: world.gateway.engine, clock: world.clock, delay: 3600).run() == 1)
        try await answer(stranger, ["2"], world: world)
        #expect(await stranger.send(late.digits).isFinal, "not a reporter: no survey to answer")
        try await answer(phone, ["2"], world: world)
        #expect(await phone.send(late.digits).text.contains("or 6 if it is not fixed"))
        #expect(await phone.send("6").text.contains("sorry it is not fixed"))
        #expect(try await world.staff.ticket(late, moe: "water")?.status == .acknowledged, "reopened: back in the queue")
        #expect(try await world.tickets.history(of: late).map(\.kind).last == "reopened")
        // Answered: tracking it again shows the status only.
        try await answer(phone, ["2"], world: world)
        #expect(await phone.send(late.digits).isFinal)
    }

    @Test func theOtherServiceLandsInMunicipalTriage() async throws {
        let world = try TestGateway()
        let phone = Phone("+27821234567", gateway: world.gateway)
        try await answer(phone, ["1", "6", "2", "3", "Open manhole at the taxi rank"], world: world)
        let done = await phone.send("1")
        let reference = try Reference(parsing: String(done.text.filter(\.isNumber).suffix(9)))
        #expect(try await world.tickets.destination(of: reference) == Destination(moe: "municipal", queue: "triage"))
    }

    @Test func aRetriedFinalRequestReturnsTheSameReferenceAndNoSecondTicket() async throws {
        let world = try TestGateway()
        let phone = Phone("+27821234567", gateway: world.gateway)
        let (done, _) = try await report(phone, world: world)
        #expect(await phone.retry() == done)
        #expect(await phone.retry() == done)
        #expect(try await world.tickets.count() == 1)
    }

    @Test func concurrentDuplicatesOfTheFinalRequestCreateOneTicket() async throws {
        let world = try TestGateway()
        let phone = Phone("+27821234567", gateway: world.gateway)
        try await answer(phone, ["1", "1", "1", "1", "12 Vilakazi St"], world: world)
        let caller = phone.caller
        let final = UssdEvent(provider: "africastalking", sessionID: phone.sessionID, msisdn: caller, serviceCode: "*120*1234#",
                              network: nil, input: .history(phone.text + "*1"))
        let gateway = world.gateway
        let replies = await withTaskGroup(of: UssdReply.self) { group in
            for _ in 0..<8 { group.addTask { await gateway.handle(final) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(replies.map(\.text)).count == 1)
        #expect(replies.allSatisfy { $0.isFinal })
        #expect(try await world.tickets.count() == 1)
    }

    @Test func starAndHashInsideFreeTextAreKept() async throws {
        let world = try TestGateway()
        let phone = Phone("+27821234567", gateway: world.gateway)
        let address = "Block 5*Unit 3 # gate*2"
        let (_, reference) = try await report(phone, address: address, world: world)
        #expect(try await world.tickets.count() == 1)
        #expect(try await world.tickets.address(of: reference) == address)
    }

    @Test func anUnknownSessionArrivingWithHistoryGetsAPoliteEnd() async throws {
        let world = try TestGateway()
        let event = UssdEvent(provider: "africastalking", sessionID: "never-seen", msisdn: MSISDN("+27821234567")!, serviceCode: "*120#",
                              network: nil, input: .history("1*2*3"))
        let reply = await world.gateway.handle(event)
        #expect(reply.isFinal)
        #expect(reply.text.contains("Please dial again"))
        #expect(try await world.tickets.count() == 0)
    }

    @Test func aTakenReferenceIsNeverReusedADifferentOneIsDrawn() async throws {
        let world = try TestGateway()
        let first = Phone("+27821234567", gateway: world.gateway)
        let (_, taken) = try await report(first, world: world)
        world.references.queue(taken)   // the next draws collide...
        world.references.queue(taken)
        let second = Phone("+27827654321", gateway: world.gateway)
        let (done, reference) = try await report(second, address: "40 Mandela Rd", world: world)
        #expect(reference != taken)
        #expect(done.text.contains(reference.grouped))
        #expect(try await world.tickets.count() == 2)
    }

    @Test func aFinishedSessionAnswersLateInputWithItsLastReply() async throws {
        let world = try TestGateway()
        let phone = Phone("+27821234567", gateway: world.gateway)
        let (done, _) = try await report(phone, world: world)
        #expect(await phone.send("1") == done)
        #expect(try await world.tickets.count() == 1)
    }

    @Test func expiredSessionsAreSweptAndResumptionThenStops() async throws {
        let world = try TestGateway()
        let phone = Phone("+27821234567", gateway: world.gateway)
        try await answer(phone, ["1"], world: world)
        world.clock.advance(2 * 3600)
        #expect(try await world.gateway.sweepSessions(retention: 3600) == 1)
        #expect(try await world.gateway.sweepSessions(retention: 3600) == 0)
    }

    @Test func aStoreFailureStillGetsAPoliteEnd() async throws {
        struct BrokenStore: ConversationStore {
            struct Down: Error {}
            func read<T: Sendable>(_ body: @escaping @Sendable (any ConversationReads) throws -> T) async throws -> T { throw Down() }
            func write(_ hop: HopWrite) async throws -> HopWriteOutcome { throw Down() }
            func sweepSessions(updatedBefore: Date) async throws -> Int { throw Down() }
            func idleConversations(prefix: String, updatedBefore: Date, limit: Int) async throws -> [StoredSession] { throw Down() }
        }
        let engine = try shippedDefinitions().engine()
        let gateway = UssdGateway(engine: engine, store: BrokenStore(), clock: TestClock(), references: { TestReferences().next() })
        let reply = await gateway.handle(UssdEvent(provider: "africastalking", sessionID: "x", msisdn: MSISDN("+27821234567")!,
                                                   serviceCode: "*120#", network: nil, input: .history("")))
        #expect(reply.isFinal)
        #expect(reply.text.hasPrefix("Sorry"))
    }

    @Test func aWaterShortcodeOpensStraightAtWaterFaults() async throws {
        let world = try TestGateway()
        let phone = Phone("+27821234567", gateway: world.gateway)
        phone.serviceCode = "*120*4040#"
        let caller = phone.caller, now = world.clock.now()
        try await SQLiteConversationStore(world.database).transaction { tx in try tx.setLanguage("en", for: caller, at: now) }
        let first = await phone.dial()
        #expect(first.text.hasPrefix("What is the problem?\n1 Burst pipe"))
        #expect(first.text.hasSuffix("0 Back"))
        for input in ["2", "1", "Corner of Main and 5th"] { await phone.send(input) }
        let done = await phone.send("1")
        let reference = try Reference(parsing: String(done.text.filter(\.isNumber).suffix(9)))
        #expect(try await world.tickets.destination(of: reference)?.moe == "water")
        // Back from the first screen is the main menu.
        phone.serviceCode = "*120*4040#"
        await phone.dial()
        #expect(await phone.send("0").text.hasPrefix("City services"))
    }

    /// Anyone holding a reference reads its news: a dispatcher's words reach Track, STATUS and the
    /// reporters' SMS without the phone numbers and e-mail addresses in them.
    @Test func aPublicUpdateReachesTheResidentsWithoutNumbersOrEmails() async throws {
        let world = try TestGateway()
        let phone = Phone("+27821234567", gateway: world.gateway), stranger = Phone("+27827654321", gateway: world.gateway)
        let (_, reference) = try await report(phone, world: world)
        try await world.update(reference, to: .inProgress, publicUpdate: "Plumber Sipho 082*987*6543 or sipho (at) example.com, 08:00-16:00")
        try await answer(stranger, ["2"], world: world)
        let track = await stranger.send(reference.digits).text
        #expect(track.contains(PublicText.numberRemoved) && !track.contains("6543") && !track.contains("example"), "\(track)")
        var texter = Texter(world, "+27825550002")
        let status = try #require(try await texter.send("STATUS \(reference.grouped)"))
        #expect(status.contains("Plumber Sipho") && !status.contains("6543") && !status.contains("example"), "\(status)")
        let told = try await world.tickets.outbox(for: MSISDN("+27821234567")!).map(\.body)
        #expect(told.contains { $0.contains("Plumber Sipho") && $0.contains("08:00-16:00") }, "\(told)")
        #expect(!told.contains { $0.contains("6543") || $0.contains("example") }, "\(told)")
    }

    @Test func aTrackShortcodeOpensAtTheReferencePrompt() async throws {
        let world = try TestGateway()
        let phone = Phone("+27821234567", gateway: world.gateway)
        phone.serviceCode = "*120*1234*2#"
        let caller = phone.caller, now = world.clock.now()
        try await SQLiteConversationStore(world.database).transaction { tx in try tx.setLanguage("zu", for: caller, at: now) }
        #expect(await phone.dial().text.hasPrefix("Bhala inombolo yakho yesicelo:"))
    }
}
