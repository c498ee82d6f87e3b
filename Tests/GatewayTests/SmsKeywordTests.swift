import Domain
import FlowEngine
import Foundation
import Gateway
import Store
import TestSupport
import Testing

/// A resident texting the gateway: each message goes through the real SMS gateway and database;
/// replies are read from the outbox, as the sender would send them.
struct Texter {
    let world: TestGateway
    let from: MSISDN
    var counter = 0

    init(_ world: TestGateway, _ number: String = "+27825550001") {
        self.world = world
        from = MSISDN(number)!
    }

    /// Sends `text`; returns the replies it caused (nil when none).
    @discardableResult
    mutating func send(_ text: String, id: String? = nil) async throws -> String? {
        counter += 1
        let before = try await world.tickets.outbox(for: from).count
        await world.sms.handle(InboundSMS(provider: "africastalking", providerID: id ?? "msg-\(counter)-\(text.hashValue)", from: from, to: "40001", text: text))
        let after = try await world.tickets.outbox(for: from)
        return after.count > before ? after[before...].map(\.body).joined(separator: "\n---\n") : nil
    }
}

@Suite struct SmsKeywordTests {
    /// The keyword words of a language, from its locale.
    static func word(_ keyword: String, _ language: String) throws -> String {
        let locale = try shippedDefinitions().locales.locale(language)
        return String(locale.strings["keyword.\(keyword)"]!.split(separator: ",")[0]).trimmingCharacters(in: .whitespaces)
    }

    static func serviceWord(_ service: String, _ language: String) throws -> String {
        let locale = try shippedDefinitions().locales.locale(language)
        return String(locale.strings["synonyms.service.\(service)"]!.split(separator: ",")[0])
    }

    static let languages = (try? shippedDefinitions().locales.codes) ?? []

    @Test(arguments: languages)
    func oneShotReportCreatesARoutedTicketAndRepliesWithItsReference(_ language: String) async throws {
        let world = try TestGateway()
        var resident = Texter(world)
        try await resident.send("\(try Self.word("lang", language)) \(language)")
        let reply = try #require(try await resident.send("\(try Self.word("report", language)) \(try Self.serviceWord("water", language)) burst pipe at 12 Vilakazi St"))
        let digits = String(reply.filter(\.isNumber).prefix(9))
        let reference = try Reference(parsing: digits)
        #expect(reply.contains(reference.grouped))
        #expect(try await world.tickets.count() == 1)
        #expect(try await world.tickets.destination(of: reference) == Destination(moe: "water", queue: "water-general"))
        #expect(try await world.tickets.address(of: reference) == "burst pipe at 12 Vilakazi St")
        // The reply is in the resident's language.
        let expected = Template.fill(try shippedDefinitions().locales.locale(language).strings["sms.report_done"]!, ["reference": reference.grouped])
        #expect(reply == expected)
    }

    @Test func aKeywordOfOnlyOneLanguageAnswersInThatLanguage() async throws {
        let world = try TestGateway()
        var resident = Texter(world)
        let reply = try #require(try await resident.send("BIKA AMANZI ipayipi eliqhumile 12 Vilakazi St"))
        #expect(reply.hasPrefix("Siyabonga. Inombolo yakho ithi"))
        var other = Texter(world, "+27825550009")
        #expect(try await other.send("MELD WATER lek by Langstraat 3")?.hasPrefix("Dankie.") == true)
    }

    @Test(arguments: languages)
    func conversationalReportAsksStepByStep(_ language: String) async throws {
        let world = try TestGateway()
        var resident = Texter(world)
        try await resident.send("\(try Self.word("lang", language)) \(language)")
        let loc = try shippedDefinitions().locales.locale(language)
        let first = try #require(try await resident.send(try Self.word("report", language)))
        let plain = { (key: String) in SMSMeasure.cheapest(loc.strings[key]!) }
        #expect(first.hasPrefix(plain("report.service")))
        #expect(first.contains("1 \(plain("service.water"))"))
        #expect(try await resident.send("2")?.contains(plain("fault.electricity.outage")) == true)
        #expect(try await resident.send("1")?.contains("Soweto") == true)
        #expect(try await resident.send("1")?.hasPrefix(plain("report.address")) == true)
        #expect(try await resident.send("Next to the * clinic #4")?.contains("Next to the * clinic #4") == true)
        let done = try #require(try await resident.send("1"))
        let reference = try Reference(parsing: String(done.filter(\.isNumber).prefix(9)))
        #expect(try await world.tickets.destination(of: reference) == Destination(moe: "electricity", queue: "power-south"))
        #expect(try await world.tickets.count() == 1)
    }

    @Test(arguments: languages)
    func statusOfAReferenceAndOfAMistypedOne(_ language: String) async throws {
        let world = try TestGateway()
        var reporter = Texter(world, "+27825550002")
        let done = try #require(try await reporter.send("REPORT ROADS pothole outside number 5"))
        let reference = try Reference(parsing: String(done.filter(\.isNumber).prefix(9)))
        var other = Texter(world, "+27825550003")
        try await other.send("\(try Self.word("lang", language)) \(language)")
        let loc = try shippedDefinitions().locales.locale(language)
        let status = try #require(try await other.send("\(try Self.word("status", language)) \(reference.grouped)"))
        #expect(status.contains(reference.grouped))
        #expect(status.contains(loc.strings["status.new"]!))
        #expect(!status.contains("+27") && !status.contains("pothole"))
        var typo = Array(reference.digits)
        typo[2] = typo[2] == "5" ? "6" : "5"
        #expect(try await other.send("\(try Self.word("status", language)) \(String(typo))") == loc.strings["sms.status_usage"]!)
    }

    @Test(arguments: languages)
    func stopMeansNothingMoreUntilStart(_ language: String) async throws {
        let world = try TestGateway()
        var resident = Texter(world)
        let done = try #require(try await resident.send("REPORT WATER leak at the corner of 4th Ave"))
        let reference = try Reference(parsing: String(done.filter(\.isNumber).prefix(9)))
        let loc = try shippedDefinitions().locales.locale(language)
        try await resident.send("\(try Self.word("lang", language)) \(language)")
        #expect(try await resident.send(try Self.word("stop", language)) == loc.strings["sms.stopped"]!)
        #expect(try await resident.send("STOP") == nil)
        // Nothing of any kind while opted out: replies, help, status updates.
        #expect(try await resident.send("STATUS \(reference.grouped)") == nil)
        #expect(try await resident.send("what is going on") == nil)
        try await world.update(reference, to: .inProgress, publicUpdate: "Crew on site")
        let claimed = try await world.outbox.claimDue(limit: 100, now: world.clock.now())
        // Of everything queued, only the STOP confirmation goes out; the rest is visibly suppressed.
        #expect(claimed.map(\.body) == [loc.strings["sms.stopped"]!])
        let queue = try await world.tickets.outbox(for: resident.from)
        #expect(queue.last?.status == "suppressed")
        #expect(queue.filter { $0.status != "suppressed" }.map(\.body) == [loc.strings["sms.stopped"]!])
        // START brings messages back, confirmed once.
        #expect(try await resident.send(try Self.word("start", language)) == loc.strings["sms.started"]!)
        #expect(try await resident.send("STATUS \(reference.grouped)")?.contains(reference.grouped) == true)
    }

    @Test(arguments: languages)
    func unknownTextGetsHelpAtMostOnceADay(_ language: String) async throws {
        let world = try TestGateway()
        var resident = Texter(world)
        try await resident.send("\(try Self.word("lang", language)) \(language)")
        let loc = try shippedDefinitions().locales.locale(language)
        #expect(try await resident.send("hello there") == loc.strings["sms.help"]!)
        #expect(try await resident.send("hello again") == nil)
        world.clock.advance(25 * 3600)
        #expect(try await resident.send("hello tomorrow") == loc.strings["sms.help"]!)
        #expect(try await resident.send(try Self.word("help", language)) == loc.strings["sms.help"]!)
    }

    @Test func keywordsIgnoreCaseSpacesAndPunctuation() async throws {
        let world = try TestGateway()
        var resident = Texter(world)
        let reply = try #require(try await resident.send("  report:   Water   burst pipe,  Main Rd "))
        #expect(reply.hasPrefix("Thank you. Your reference is"))
        #expect(try await resident.send("#Status.") == (try shippedDefinitions().locales.locale("en").strings["sms.status_usage"]!))
    }

    @Test func everyKeywordSynonymIsRecognised() async throws {
        let definitions = try shippedDefinitions()
        let keywords = SmsKeywordsProbe(definitions.smsEngine()!)
        for locale in definitions.locales.ordered {
            for name in definitions.smsFlow!.keywords.keys.sorted() + definitions.smsFlow!.commands {
                for word in locale.strings["keyword.\(name)"]!.split(separator: ",") {
                    let text = word.trimmingCharacters(in: .whitespaces)
                    #expect(keywords.keyword(text.lowercased() + " x") == name, "\(locale.code): '\(text)' is not \(name)")
                }
            }
            for service in definitions.catalogue.services {
                for word in locale.strings["synonyms.service.\(service.code)"]!.split(separator: ",") {
                    #expect(keywords.service(word.trimmingCharacters(in: .whitespaces) + " rest") == service.code)
                }
            }
        }
    }

    @Test func aConversationExpiresAfterThirtyMinutes() async throws {
        let world = try TestGateway()
        var resident = Texter(world)
        try await resident.send("REPORT")
        world.clock.advance(31 * 60)
        #expect(try await resident.send("1") == (try shippedDefinitions().locales.locale("en").strings["sms.help"]!))
    }

    @Test func aRetriedWebhookIsHandledOnce() async throws {
        let world = try TestGateway()
        var resident = Texter(world)
        try await resident.send("REPORT WATER leak at 3 Long St", id: "ATXid_same")
        #expect(try await resident.send("REPORT WATER leak at 3 Long St", id: "ATXid_same") == nil)
        #expect(try await world.tickets.count() == 1)
    }

    @Test func aPublicStatusChangeNotifiesTheReporterInTheirLanguage() async throws {
        let world = try TestGateway()
        var resident = Texter(world)
        let done = try #require(try await resident.send("BIKA AMANZI ipayipi eliqhumile 12 Vilakazi St"))
        let reference = try Reference(parsing: String(done.filter(\.isNumber).prefix(9)))
        try await world.update(reference, to: .scheduled, publicUpdate: "Sizofika ngoMsombuluko", expectedAt: world.clock.now().addingTimeInterval(86400))
        try await world.update(reference, to: .inProgress, internalNote: "valve ordered")
        let messages = try await world.tickets.outbox(for: resident.from).map(\.body)
        #expect(messages.last == "Inombolo \(reference.grouped): Kuhleliwe. Sizofika ngoMsombuluko")
        #expect(!messages.contains("must not be sent"))
    }
}

/// LATE <ref>: a reporter of an overdue ticket tells the MOE's supervisors, once a day.
@Suite struct LateKeywordTests {
    static let languages = (try? shippedDefinitions().locales.codes) ?? []

    func string(_ key: String, _ language: String, _ values: [String: String] = [:]) throws -> String {
        SMSMeasure.cheapest(Template.fill(try shippedDefinitions().locales.locale(language).strings[key]!, values))
    }

    @Test(arguments: languages)
    func aReporterOfAnOverdueTicketEscalatesItOnceADayInTheirLanguage(_ language: String) async throws {
        let world = try TestGateway()
        _ = try await world.staff.addUser(username: "sipho", password: "a long enough password", scope: .moe("water"), role: .supervisor, at: world.clock.now())
        _ = try await world.staff.setContact("sipho", StaffContact(phone: MSISDN("0820000001")))
        var resident = Texter(world)
        try await resident.send("\(try SmsKeywordTests.word("lang", language)) \(language)")
        let done = try #require(try await resident.send("\(try SmsKeywordTests.word("report", language)) \(try SmsKeywordTests.serviceWord("water", language)) burst pipe at 12 Vilakazi St"))
        let reference = try Reference(parsing: String(done.filter(\.isNumber).prefix(9)))
        let late = try SmsKeywordTests.word("late", language)

        // Not late yet: the status, nothing recorded.
        let early = try #require(try await resident.send("\(late) \(reference.digits)"))
        #expect(early != (try string("sms.late_recorded", language, ["reference": reference.grouped])))
        #expect(try await world.staff.file(reference, scope: nil)?.history.map(\.kind) == [.created])

        // Past its target (water: 48 h): recorded, escalated, supervisors told.
        world.clock.advance(80 * 3600)
        #expect(try await resident.send("\(late) \(reference.grouped)") == (try string("sms.late_recorded", language, ["reference": reference.grouped])))
        #expect(try await world.staff.file(reference, scope: nil)?.history.map(\.kind) == [.created, .chased, .escalated])
        #expect(try await world.staff.ticket(reference, moe: nil)?.escalationLevel == 1)
        #expect(try await world.tickets.outbox(for: MSISDN("0820000001")!).count == 1)
        // Again the same day: the same answer, recorded once.
        #expect(try await resident.send("\(late) \(reference.digits)") == (try string("sms.late_recorded", language, ["reference": reference.grouped])))
        #expect(try await world.staff.file(reference, scope: nil)?.history.count == 3)
        // The next day: recorded again; already escalated, so no new level and no new SMS to staff.
        world.clock.advance(24 * 3600)
        _ = try await resident.send("\(late) \(reference.digits)")
        #expect(try await world.staff.file(reference, scope: nil)?.history.map(\.kind) == [.created, .chased, .escalated, .chased])
        #expect(try await world.tickets.outbox(for: MSISDN("0820000001")!).count == 1)
        let audit = try await world.staff.auditEntries(scope: nil, limit: 10, offset: 0).map(\.action.rawValue)
        #expect(audit == ["reporter chased", "escalate level 1", "reporter chased"])
        // Without a reference: how to use it.
        #expect(try await resident.send(late) == (try string("sms.late_usage", language)))
    }

    @Test func anyoneElseGetsTheStatusAndNothingMore() async throws {
        let world = try TestGateway()
        var reporter = Texter(world)
        let done = try #require(try await reporter.send("REPORT WATER burst pipe at 12 Vilakazi St"))
        let reference = try Reference(parsing: String(done.filter(\.isNumber).prefix(9)))
        world.clock.advance(100 * 3600)
        var stranger = Texter(world, "+27825550999")
        let status = try await stranger.send("LATE \(reference.digits)")
        let direct = try await stranger.send("STATUS \(reference.digits)")
        let privacy = try string("main.privacy", "en")
        #expect(status != nil && status == direct.map { $0 + "\n" + privacy }, "the status reply, as STATUS gives it (the first with the privacy line)")
        #expect(try await world.staff.file(reference, scope: nil)?.history.map(\.kind) == [.created])
        #expect(try await world.staff.ticket(reference, moe: nil)?.escalationLevel == 0)
        // A ticket that does not exist: the status reply says so.
        var draws = SeededGenerator(state: 99)
        let missing = Reference.random(using: &draws)
        let notFound = try await stranger.send("LATE \(missing.digits)")
        let statusNotFound = try await stranger.send("STATUS \(missing.digits)")
        #expect(notFound != nil && notFound == statusNotFound)
    }
}

/// The satisfaction survey in every language: asked once after the delay, answered by a digit.
@Suite struct SurveyLanguageTests {
    @Test(arguments: LateKeywordTests.languages)
    func theSurveyAndItsAnswersAreInTheReportersLanguage(_ language: String) async throws {
        let world = try TestGateway()
        var resident = Texter(world)
        try await resident.send("\(try SmsKeywordTests.word("lang", language)) \(language)")
        let done = try #require(try await resident.send("\(try SmsKeywordTests.word("report", language)) \(try SmsKeywordTests.serviceWord("water", language)) burst pipe at 12 Vilakazi St"))
        let reference = try Reference(parsing: String(done.filter(\.isNumber).prefix(9)))
        #expect(try await world.staff.perform(.status(.resolved, publicUpdate: "Fixed", internalNote: nil, expectedAt: nil), on: reference, scope: "water",
                                              actor: "thandi", at: world.clock.now(), notice: world.gateway.engine.noticeWording) == .done)
        let job = SurveyJob(store: world.staff, engine: world.gateway.engine, clock: world.clock, delay: 3600)
        world.clock.advance(3601)
        #expect(try await job.run() == 1)
        let question = try #require(try await world.tickets.outbox(for: resident.from).last?.body)
        let strings = try shippedDefinitions().locales.locale(language).strings
        #expect(question == SMSMeasure.cheapest(Template.fill(strings["sms.survey"]!, ["reference": reference.grouped])))
        #expect(SMSMeasure.of(question).segments <= 2, "\(language): \(SMSMeasure.of(question).segments) segments")
        #expect(try await resident.send("5") == SMSMeasure.cheapest(Template.fill(strings["sms.survey_thanks"]!, ["reference": reference.grouped])))
        #expect(try await job.run() == 0)
    }
}
