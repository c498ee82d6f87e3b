import Domain
import Foundation
import Gateway
import TestSupport
import Testing

/// "Already reported — add me to it?" on both stores, through the real gateways: joining makes no
/// ticket but counts in the daily cap, one's own report is never offered, and an SMS offer is
/// answered by a digit, filed when left unanswered, or filed when another keyword overtakes it.
@Suite struct AlreadyReportedConformanceTests {
    let caller = MSISDN("+27821234567")!
    let neighbour = MSISDN("+27820000001")!
    let report = ["1", "1", "1", "1", "1", "12 Vilakazi St", "1"]

    func ussd(_ w: ConversationWorld, _ session: String, _ history: [String], phone: MSISDN) async -> UssdReply {
        await w.ussd.handle(UssdEvent(provider: "africastalking", sessionID: session, msisdn: phone, serviceCode: "*120*1234#",
                                      network: "65501", input: .history(history.joined(separator: "*"))))
    }

    /// A whole report: the reply to its last answer, `then` after it.
    func reportByUSSD(_ w: ConversationWorld, _ session: String, phone: MSISDN, address: String = "12 Vilakazi St", then: [String] = []) async -> UssdReply {
        let answers = Array(report.dropLast(2)) + [address, "1"] + then
        var reply = await ussd(w, session, [], phone: phone)
        for i in 1...answers.count { reply = await ussd(w, session, Array(answers.prefix(i)), phone: phone) }
        return reply
    }

    func sms(_ w: ConversationWorld, _ from: MSISDN, _ text: String) async {
        await w.sms.handle(InboundSMS(provider: "kannel", providerID: nil, from: from, to: nil, text: text))
    }

    @Test(arguments: StoreKind.available)
    func joiningMakesNoTicketCountsInTheCapAndOnesOwnReportIsNeverOffered(_ kind: StoreKind) async throws {
        try await ConversationWorld.with(kind, maxReportsPerDay: 2) { w async throws in
            let filed = await reportByUSSD(w, "n", phone: neighbour)
            let ticket = try Reference(parsing: String(filed.text.filter(\.isNumber).suffix(9)))
            #expect(try await w.tickets() == 1)

            let offer = await reportByUSSD(w, "a", phone: caller)
            #expect(!offer.isFinal && offer.text.contains(ticket.grouped))
            let joined = await reportByUSSD(w, "a", phone: caller, then: ["1"])
            #expect(joined.isFinal && joined.text.contains(ticket.grouped))
            #expect(try await w.tickets() == 1)
            #expect(try await w.outbox(caller).last?.contains(ticket.grouped) == true)

            // The ticket they joined is theirs now: not offered again, so this report is filed.
            let again = await reportByUSSD(w, "b", phone: caller)
            #expect(again.isFinal && !again.text.contains(ticket.grouped) && again.text.contains("reference"))
            #expect(try await w.tickets() == 2)
            // The join and that ticket are the number's two reports today.
            let third = await reportByUSSD(w, "c", phone: caller, address: "40 Mandela Rd")
            #expect(third.isFinal && !third.text.contains("reference"))
            #expect(try await w.tickets() == 2)
        }
    }

    @Test(arguments: StoreKind.available)
    func anSMSOfferIsAnsweredByADigitAndNeverLost(_ kind: StoreKind) async throws {
        try await ConversationWorld.with(kind) { w async throws in
            let line = "REPORT WATER burst pipe at 12 Vilakazi St"
            await sms(w, neighbour, line)
            let ticket = try Reference(parsing: String(try #require(try await w.outbox(neighbour).last).filter(\.isNumber).suffix(9)))
            #expect(try await w.tickets() == 1)

            // "1": added to it.
            let a = MSISDN("+27821000001")!
            await sms(w, a, "REPORT WATER burst pipe, 12 vilakazi street")
            let offer = try #require(try await w.outbox(a).last)
            #expect(offer.contains(ticket.grouped) && offer.contains("1 ") && offer.contains("2 "))
            #expect(try await w.tickets() == 1)
            await sms(w, a, "1")
            #expect(try await w.outbox(a).last?.contains(ticket.grouped) == true)
            #expect(try await w.tickets() == 1)

            // "2": a ticket of their own.
            let b = MSISDN("+27821000002")!
            await sms(w, b, line)
            await sms(w, b, "2")
            let own = try #require(try await w.outbox(b).last)
            #expect(!own.contains(ticket.grouped) && own.filter(\.isNumber).count >= 9)
            #expect(try await w.tickets() == 2)

            // No answer until the conversation times out: filed as a new ticket, and the sender told its reference.
            let c = MSISDN("+27821000003")!
            await sms(w, c, line)
            #expect(try await w.sms.fileUnansweredOffers() == 0, "still waiting")
            w.clock.advance(31 * 60)
            #expect(try await w.sms.fileUnansweredOffers() == 1)
            #expect(try await w.sms.fileUnansweredOffers() == 0, "filed once")
            #expect(try await w.tickets() == 3)
            let told = try await w.outbox(c)
            #expect(told.count == 2 && !told[1].contains(ticket.grouped) && told[1].filter(\.isNumber).count >= 9)

            // Overtaken by another keyword: the waiting report is filed first, then the keyword answered.
            let d = MSISDN("+27821000004")!
            await sms(w, d, line)
            await sms(w, d, "STATUS \(ticket.digits)")
            #expect(try await w.tickets() == 4)
            let replies = try await w.outbox(d)
            #expect(replies.count == 3 && replies[2].contains(ticket.grouped))
        }
    }
}
