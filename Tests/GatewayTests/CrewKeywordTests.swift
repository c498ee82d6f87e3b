import Domain
import FlowEngine
import Foundation
import Gateway
import Store
import TestSupport
import Testing

/// A crew in every shipped language: its job card, JOBS, ONSITE, DONE and CANT in its own words,
/// and the residents told in theirs, through the real SMS gateway and database.
@Suite struct CrewKeywordTests {
    static let languages = SmsKeywordTests.languages

    static let locales = try! shippedDefinitions().locales

    static func strings(_ language: String) throws -> [String: String] { locales.locale(language).strings }

    /// Every word of `keyword.<name>` in `language`.
    static func words(_ name: String, _ language: String) throws -> [String] {
        try strings(language)["keyword.\(name)"]!.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test(arguments: languages)
    func aCrewWorksItsJobsInItsLanguageAndResidentsHearInTheirs(_ language: String) async throws {
        let world = try TestGateway()
        let engine = try shippedDefinitions().smsEngine()!
        let desk = CrewDesk(roster: world.staff, ledger: world.staff, engine: engine, clock: world.clock)
        let crew = try await desk.add(name: "Span 7", moe: "water", phones: ["0825550001"], language: language, actor: "t").get()
        var member = Texter(world, "+27825550001")
        // A resident reports in Zulu, another in this language.
        var zulu = Texter(world, "+27821110001"), local = Texter(world, "+27821110002")
        try await zulu.send("LANG zu")
        try await local.send("\(try Self.words("lang", language)[0]) \(language)")
        let first = try Reference(parsing: String(try #require(try await zulu.send("BIKA AMANZI ipayipi iqhumile 12 Vilakazi St")).filter(\.isNumber).prefix(9)))
        let second = try Reference(parsing: String(try #require(try await local.send(
            "\(try Self.words("report", language)[0]) \(try Self.strings(language)["synonyms.service.water"]!.split(separator: ",")[0]) leak at 3 Main Rd")).filter(\.isNumber).prefix(9)))

        // The job card in the crew's language, with the answers in its words.
        #expect(try await desk.assign(first, to: "Span 7", scope: "water", actor: "d", address: nil) == .done)
        #expect(try await desk.assign(second, to: "Span 7", scope: "water", actor: "d", address: nil) == .done)
        let card = try #require(try await world.tickets.outbox(for: crew.phones[0]).first?.body)
        let onsite = try Self.words("onsite", language)[0], done = try Self.words("done", language)[0], cant = try Self.words("cant", language)[0]
        #expect(card.contains(first.grouped) && card.contains("\(onsite) \(first.digits)") && card.contains("\(done) \(first.digits)"))
        #expect(card == engine.jobCard(TicketRecord(id: 0, state: TicketState(reference: first, status: .new, moe: "water", queue: "", expectedAt: nil,
                                                                               duplicateOf: nil, service: "water", fault: "unspecified",
                                                                               dueAt: try await world.staff.ticket(first, moe: "water")?.dueAt),
                                                    area: "unknown", address: "ipayipi iqhumile 12 Vilakazi St"), crew: crew, reports: 1))

        // Every word of JOBS lists both, in the crew's language.
        for word in try Self.words("jobs", language) {
            let jobs = try #require(try await member.send(word.lowercased()))
            #expect(jobs.hasPrefix(Template.fill(try Self.strings(language)["crew.jobs_head"]!, ["crew": "Span 7", "count": "2"])))
            #expect(jobs.contains(first.grouped) && jobs.contains(second.grouped))
        }
        // On site: each resident told in their own language.
        let onSiteReply = try #require(try await member.send("\(onsite) \(first.digits)"))
        #expect(onSiteReply.hasPrefix(Template.fill(try Self.strings(language)["crew.onsite_ok"]!, ["reference": first.grouped]).components(separatedBy: "{")[0]))
        #expect(try await world.tickets.outbox(for: zulu.from).last?.body
                == Template.fill(try Self.strings("zu")["sms.crew_on_site"]!, ["reference": first.grouped]))
        // Done, with every synonym: the first resolves, the rest change nothing.
        let doneWords = try Self.words("done", language)
        _ = try await member.send("\(doneWords[0]) \(first.grouped) pipe replaced")
        #expect(try await world.staff.ticket(first, moe: "water")?.status == .resolved)
        #expect(try await world.tickets.outbox(for: zulu.from).last?.body
                == Template.fill(try Self.strings("zu")["sms.crew_fixed"]!, ["reference": first.grouped, "note": "pipe replaced"]))
        for word in doneWords.dropFirst() {
            let again = try #require(try await member.send("\(word) \(first.digits)"))
            #expect(again.contains(first.grouped))
            #expect(try await world.staff.file(first, scope: "water")?.history.filter { $0.toStatus == .resolved }.count == 1)
        }
        // Cannot fix: back in the queue; the resident hears nothing until a dispatcher decides.
        let told = try await world.tickets.outbox(for: local.from).count
        let reply = try #require(try await member.send("\(cant) \(second.digits) no valve"))
        #expect(reply == SMSMeasure.cheapest(Template.fill(try Self.strings(language)["crew.cant_ok"]!, ["reference": second.grouped, "reason": "no valve"])))
        #expect(try await world.staff.ticket(second, moe: "water")?.status == .acknowledged)
        #expect(try await world.tickets.outbox(for: local.from).count == told)
        // A crew's replies fit: the card and JOBS within 3 SMS, the rest in 2.
        #expect(SMSMeasure.of(card).segments <= 3)
        for key in ["crew.jobs_more", "crew.no_jobs", "crew.usage", "crew.bad_reference", "crew.no_job", "crew.onsite_ok", "crew.done_ok", "crew.cant_ok",
                    "crew.not_yours", "crew.already_on_site", "crew.cant_usage", "crew.closed", "crew.stop", "sms.crew_on_site", "sms.crew_fixed"] {
            let filled = Template.fill(try Self.strings(language)[key]!, ["crew": String(repeating: "x", count: 60), "moe": "water", "reference": "999 999 999",
                                                                         "digits": "999999999", "reason": String(repeating: "x", count: 40),
                                                                         "status": "Acknowledged", "count": "99", "note": String(repeating: "x", count: 160)])
            #expect(SMSMeasure.of(SMSMeasure.cheapest(filled)).segments <= (key == "sms.crew_fixed" ? 3 : 2), "\(language) \(key)")
        }
    }
}
