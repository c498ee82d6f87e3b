import Domain
import FlowEngine
import Foundation
import Gateway
import Store
import TestSupport
import Testing

/// MYDATA (and its word in each language) tells a resident what is kept, for how long, and how
/// to ask for a copy or its erasure, in their language.
@Suite struct PrivacyRequestTests {
    @Test(arguments: try! shippedDefinitions().locales.codes)
    func myDataSaysWhatIsKeptAndHowToAskInEveryLanguage(_ language: String) async throws {
        let world = try TestGateway()
        let strings = world.sms.engine.locales.locale(language).strings
        let number = MSISDN("+27821110001")!
        await world.sms.handle(InboundSMS(provider: "test", providerID: nil, from: number, to: nil, text: "LANG \(language)"))
        let words = strings["keyword.mydata"]!.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for word in words {
            await world.sms.handle(InboundSMS(provider: "test", providerID: nil, from: number, to: nil, text: word.lowercased()))
            let reply = try await world.tickets.outbox(for: number).last?.body
            let expected = Template.fill(strings["sms.mydata"]!, ["message_days": "90", "number_days": "365"])
            #expect(reply == SMSMeasure.cheapest(expected), "\(word)")
            #expect(SMSMeasure.of(reply ?? "").segments <= 3)
        }
    }

    @Test(arguments: try! shippedDefinitions().locales.codes)
    func aNumbersFirstSMSCarriesThePrivacyLineOnceInItsLanguage(_ language: String) async throws {
        let world = try TestGateway()
        let locale = world.sms.engine.locales.locale(language).strings
        func last(_ number: MSISDN) async throws -> String? { try await world.tickets.outbox(for: number).last?.body }
        func text(_ number: MSISDN, _ body: String) async { await world.sms.handle(InboundSMS(provider: "test", providerID: nil, from: number, to: nil, text: body)) }

        let first = MSISDN("+27821110001")!
        await text(first, "LANG \(language)")
        let expected = locale["sms.language_set"]! + "\n" + locale["main.privacy"]!
        #expect(try await last(first) == SMSMeasure.cheapest(expected), "the reply, then the line, in the language just chosen")
        await text(first, "MY")
        let second = try #require(try await last(first))
        #expect(!second.contains(SMSMeasure.cheapest(locale["main.privacy"]!)), "once per number")

        // The help to an unknown first text carries it too, within three SMS.
        let stranger = MSISDN("+27821110002")!
        await text(stranger, "hello")
        let help = try #require(try await last(stranger))
        #expect(help.hasSuffix(world.sms.engine.locales.locale(nil).strings["main.privacy"]!) && SMSMeasure.of(help).segments <= 3)

        // STOP as a first message gets its confirmation alone; MYDATA already says it all.
        let stopper = MSISDN("+27821110003")!, asker = MSISDN("+27821110004")!
        await text(stopper, "STOP")
        await text(asker, "MYDATA")
        let english = world.sms.engine.locales.locale(nil).strings
        #expect(try await last(stopper) == SMSMeasure.cheapest(english["sms.stopped"]!))
        #expect(try await last(asker) == SMSMeasure.cheapest(Template.fill(english["sms.mydata"]!, ["message_days": "90", "number_days": "365"])))
    }
}

@Suite struct PseudonymTests {
    /// The stand-in is HMAC-SHA256 under the key, every time: the same number keeps its stand-in
    /// across calls (a reused HMAC state would change it), and another number gets another.
    @Test func aNumberAlwaysGetsTheSameStandIn() {
        let key = Data((0..<32).map { UInt8($0) })
        let pseudonyms = Pseudonyms(key: key)
        let first = pseudonyms.of("+27821234567")
        #expect(first == "h:8ea4af9b587d921aa7158bfe6dba4144")
        #expect(pseudonyms.of("+27821234567") == first)
        #expect(pseudonyms.of("+27821234568") != first)
        #expect(pseudonyms.of(first) == first, "a stand-in is not pseudonymised again")
    }

    /// One keyed HMAC shared by every request: used from many threads at once, each number still
    /// gets exactly the stand-in it gets alone.
    @Test func standInsAreTheSameWhenMadeConcurrently() async {
        let pseudonyms = Pseudonyms(key: Data((0..<32).map { UInt8($0) }))
        let numbers = (0..<400).map { "+2782\(String(1_000_000 + $0 * 7919))" }
        let alone = numbers.map { pseudonyms.of($0) }
        let together = await withTaskGroup(of: (Int, String).self) { group in
            for (i, n) in numbers.enumerated() { group.addTask { (i, pseudonyms.of(n)) } }
            var out = Array(repeating: "", count: numbers.count)
            for await (i, p) in group { out[i] = p }
            return out
        }
        #expect(together == alone)
        #expect(Set(alone).count == numbers.count)
    }
}
