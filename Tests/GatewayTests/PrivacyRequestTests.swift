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
}
