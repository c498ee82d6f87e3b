import Domain
import FlowEngine
import Foundation
import Gateway
import Store
import TestSupport
import Testing

/// Reports during a known incident, in every shipped language: by USSD and by SMS (step by step
/// and in one line) a report of its service, fault and area is told of it at once and may ask
/// for an SMS when it is fixed; a report of another fault, area or service carries on as usual.
@Suite struct IncidentReportTests {
    static let languages = try! shippedDefinitions().locales.codes

    @Test(arguments: languages)
    func aReportOfAKnownOutageIsToldAndAttachedNotMadeATicket(_ language: String) async throws {
        let world = try TestGateway()
        let engine = world.gateway.engine
        let strings = engine.locales.locale(language).strings
        let expected = world.clock.now().addingTimeInterval(5 * 3600)
        let incident = try await world.staff.declare(IncidentDraft(service: "electricity", faults: ["outage"], areas: ["soweto"],
                                                                   description: "Substation tripped", expectedAt: expected),
                                                     moe: "electricity", actor: "test", address: nil, at: world.clock.now())
        let electricity = try #require(engine.catalogue.service("electricity"))
        let outage = String(try #require(electricity.faults.firstIndex { $0.code == "outage" }) + 1)
        let other = String(try #require(electricity.faults.firstIndex { $0.code != "outage" }) + 1)
        let values = ["service": strings["service.electricity"]!, "area": "Soweto", "restore": engine.settings.calendar.moment(expected)]
        func fill(_ key: String) -> String { Template.fill(strings[key]!, values) }

        // USSD: told at once, in the caller's language; 1 attaches them, with no ticket.
        func call(_ number: String, _ inputs: [String]) async throws -> UssdReply {
            let phone = Phone(number, gateway: world.gateway), caller = phone.caller, now = world.clock.now()
            try await SQLiteConversationStore(world.database).transaction { tx in try tx.setLanguage(language, for: caller, at: now) }
            var reply = await phone.dial()
            for input in inputs { reply = await phone.send(input) }
            return reply
        }
        let told = try await call("+27821110001", ["1", "2", outage, "1"])
        #expect(told.text.hasPrefix(GSM7.transliterate(fill("incident.known"))) && !told.isFinal, "\(told.text)")
        #expect(told.text.contains("1 " + GSM7.transliterate(strings["incident.notify"]!)) && told.text.contains("2 " + GSM7.transliterate(strings["incident.other"]!)))
        let attached = try await call("+27821110002", ["1", "2", outage, "1", "1"])
        #expect(attached.isFinal && attached.text == GSM7.transliterate(fill("incident.attached")))
        // Another fault, another area (Alexandra), another service: a normal report, asked for the address.
        let address = GSM7.transliterate(strings["report.address"]!)
        for (i, inputs) in [["1", "2", other, "1"], ["1", "2", outage, "2"], ["1", "1", "1", "1"]].enumerated() {
            #expect(try await call("+2782111100\(7 + i)", inputs).text.hasPrefix(address), "\(inputs)")
        }
        // "Report something different": a ticket after all, linked to the incident.
        let different = try await call("+27821110004", ["1", "2", outage, "1", "2", "12 Vilakazi St", "1"])
        #expect(different.isFinal && different.text.contains(where: \.isNumber))

        // SMS, step by step with the language's own word, and in one line naming the area.
        func text(_ number: String, _ body: String) async throws -> String {
            await world.sms.handle(InboundSMS(provider: "test", providerID: nil, from: MSISDN(number)!, to: nil, text: body))
            return try await world.tickets.outbox(for: MSISDN(number)!).last?.body ?? ""
        }
        let report = String(strings["keyword.report"]!.split(separator: ",")[0]).trimmingCharacters(in: .whitespaces)
        _ = try await text("+27821110005", "LANG \(language)")
        for body in [report, "2", outage] { _ = try await text("+27821110005", body) }
        let bySMS = try await text("+27821110005", "1")
        #expect(bySMS.contains(fill("incident.attached_sms")) || bySMS.contains(GSM7.transliterate(fill("incident.attached_sms"))), "\(bySMS)")
        let service = String(strings["synonyms.service.electricity"]!.split(separator: ",")[0]).trimmingCharacters(in: .whitespaces)
        _ = try await text("+27821110006", "LANG \(language)")
        let oneLine = try await text("+27821110006", "\(report) \(service) no power in Soweto since six")
        #expect(oneLine.contains(fill("incident.attached_sms")) || oneLine.contains(GSM7.transliterate(fill("incident.attached_sms"))), "\(oneLine)")
        // Replying 2 carries on to a normal report.
        #expect(try await text("+27821110006", "2").hasPrefix(strings["report.address"]!.prefix(10)))

        let reach = try await world.staff.incidentReach(incident.id, limit: 10)
        #expect(reach.residents == 3, "the USSD caller who chose 1 and both SMS reporters")
        let tickets = try await world.tickets.count()
        #expect(reach.linkedCount == 1 && tickets == 1, "only the different report is a ticket")
    }

    /// An incident closed between the screen that told of it and the caller's "1": nobody is
    /// attached to it, so nobody waits for news that will not come.
    @Test func nobodyIsAttachedToAnIncidentClosedMeanwhile() async throws {
        let world = try TestGateway()
        let incident = try await world.staff.declare(IncidentDraft(service: "water", areas: ["soweto"], description: "Main burst"),
                                                     moe: "water", actor: "test", address: nil, at: world.clock.now())
        let phone = Phone("+27821110001", gateway: world.gateway)
        let caller = phone.caller, now = world.clock.now()
        try await SQLiteConversationStore(world.database).transaction { tx in try tx.setLanguage("en", for: caller, at: now) }
        _ = await phone.dial()
        for input in ["1", "1", "1"] { _ = await phone.send(input) }
        #expect(await phone.send("1").text.hasPrefix("Known Water fault in Soweto"))
        _ = try await world.staff.changeIncident(incident.id, moe: "water", IncidentDraft(description: "Fixed"), closing: true, broadcast: nil,
                                                 actor: "test", address: nil, at: world.clock.now())
        _ = await phone.send("1")
        #expect(try await world.staff.incidentReach(incident.id, limit: 1).residents == 0)
    }
}
