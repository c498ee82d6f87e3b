import Domain
import FlowEngine
import Foundation
import Gateway
import Store
import TestSupport
import Testing

/// Area alerts through the real gateways, in every shipped language: asked for by SMS and USSD,
/// listed, ended, silenced by STOP for good; planned works announced the evening before, started
/// and ended once per subscriber; never at night; a report during the works told of them.
@Suite struct AreaAlertTests {
    static let languages = try! shippedDefinitions().locales.codes

    struct Resident {
        let world: TestGateway
        let number: MSISDN
        let language: String
        var strings: [String: String] { world.gateway.engine.locales.locale(language).strings }

        func word(_ key: String) -> String { String(strings[key]!.split(separator: ",")[0]).trimmingCharacters(in: .whitespaces) }
        func expected(_ key: String, _ values: [String: String] = [:]) -> String { SMSMeasure.cheapest(Template.fill(strings[key]!, values)) }

        /// The reply to `body`.
        func text(_ body: String) async throws -> String {
            await world.sms.handle(InboundSMS(provider: "test", providerID: nil, from: number, to: nil, text: body))
            return try await world.tickets.outbox(for: number).last?.body ?? ""
        }

        func areas() async throws -> [String] {
            let number = self.number
            return try await SQLiteConversationStore(world.database).read { try $0.alertAreas(of: number) }
        }
    }

    @Test(arguments: languages)
    func residentsAskForListAndEndAreaAlertsBySMS(_ language: String) async throws {
        let world = try TestGateway()
        let r = Resident(world: world, number: MSISDN("+27821230001")!, language: language)
        _ = try await r.text("LANG \(language)")
        let alerts = r.word("keyword.alerts"), off = r.word("alerts.off")
        #expect(try await r.text(alerts) == r.expected("sms.alerts_none"))
        #expect(try await r.text("\(alerts) soweto") == r.expected("sms.alerts_on", ["areas": "Soweto"]))
        #expect(try await r.text("\(alerts) Orange-Farm, MIDRAND") == r.expected("sms.alerts_on", ["areas": "Soweto, Orange Farm, Midrand"]))
        let three = try await r.areas()
        #expect(Set(three) == ["soweto", "midrand", "orange_farm"])
        // A fourth is refused, naming the three; an unknown name is said back.
        #expect(try await r.text("\(alerts) Sandton") == r.expected("sms.alerts_full", ["areas": "Soweto, Orange Farm, Midrand"]))
        #expect(try await r.text("\(alerts) Atlantis") == r.expected("sms.alerts_unknown", ["area": "Atlantis"]))
        #expect(try await r.text(alerts) == r.expected("sms.alerts_list", ["areas": "Soweto, Orange Farm, Midrand"]))
        #expect(try await r.text("\(alerts) \(off) midrand") == r.expected("sms.alerts_off", ["areas": "Midrand"]))
        let two = try await r.areas()
        #expect(Set(two) == ["soweto", "orange_farm"])
        #expect(try await r.text("\(alerts) \(off)") == r.expected("sms.alerts_off", ["areas": "Soweto, Orange Farm"]))
        #expect(try await r.areas().isEmpty)
        // STOP silences them for good: START does not bring them back.
        _ = try await r.text("\(alerts) soweto")
        _ = try await r.text(r.word("keyword.stop"))
        #expect(try await r.areas().isEmpty)
        _ = try await r.text(r.word("keyword.start"))
        #expect(try await r.areas().isEmpty)
        #expect(try await r.text(alerts) == r.expected("sms.alerts_none"))
    }

    @Test(arguments: languages)
    func residentsAskForAreaAlertsByUSSDUpToThreeAreas(_ language: String) async throws {
        let world = try TestGateway()
        let r = Resident(world: world, number: MSISDN("+27821230002")!, language: language)
        let caller = r.number, now = world.clock.now()
        try await SQLiteConversationStore(world.database).transaction { tx in try tx.setLanguage(language, for: caller, at: now) }
        for (i, area) in ["1", "2", "3"].enumerated() {
            let phone = Phone(caller.e164, gateway: world.gateway, sessionPrefix: "a\(i)")
            _ = await phone.dial()
            _ = await phone.send("5")
            let done = await phone.send(area)
            let name = world.gateway.engine.catalogue.areas[i].name
            #expect(done.isFinal && done.text == GSM7.transliterate(r.expected("alerts.subscribed", ["area": name])), "\(done.text)")
        }
        #expect(Set(try await r.areas()) == Set(world.gateway.engine.catalogue.areas.prefix(3).map(\.code)))
        let phone = Phone(caller.e164, gateway: world.gateway, sessionPrefix: "a4")
        _ = await phone.dial()
        _ = await phone.send("5")
        let full = await phone.send("4")
        #expect(full.isFinal && full.text == GSM7.transliterate(r.strings["alerts.full"]!))
        #expect(try await r.areas().count == 3)
    }

    /// Planned works a week ahead: the announcement goes the evening before at 18:00, the start at
    /// the start and the end when closed, each once per number (a number following two of its areas
    /// gets one), in its language; not to other areas, not after STOP. A report during the works is
    /// told of them; one before they start is not.
    @Test(arguments: languages)
    func plannedWorksAreAnnouncedTheEveningBeforeStartedAndEndedOncePerSubscriber(_ language: String) async throws {
        let world = try TestGateway()
        let engine = world.gateway.engine, calendar = engine.settings.calendar
        let follower = Resident(world: world, number: MSISDN("+27821230010")!, language: language)
        let twice = Resident(world: world, number: MSISDN("+27821230011")!, language: "en")
        let elsewhere = Resident(world: world, number: MSISDN("+27821230012")!, language: language)
        let stopped = Resident(world: world, number: MSISDN("+27821230013")!, language: language)
        for r in [follower, twice, elsewhere, stopped] { _ = try await r.text("LANG \(r.language)") }
        _ = try await follower.text("\(follower.word("keyword.alerts")) Soweto")
        _ = try await twice.text("ALERTS Soweto, Lenasia")
        _ = try await elsewhere.text("\(elsewhere.word("keyword.alerts")) Sandton")
        _ = try await stopped.text("\(stopped.word("keyword.alerts")) Soweto")
        _ = try await stopped.text(stopped.word("keyword.stop"))
        let before = try await [follower, twice, elsewhere, stopped].asyncMap { try await world.tickets.outbox(for: $0.number).count }

        let today = calendar.startOfDay(world.clock.now())
        let start = calendar.at(hour: 9, on: calendar.startOfNextDay(today.addingTimeInterval(6.5 * 86400)))  // 09:00 a week on
        let end = start.addingTimeInterval(6 * 3600)
        let desk = IncidentDesk(store: world.staff, engine: engine, clock: world.clock)
        guard case .done(let works) = try await desk.declare(IncidentDraft(service: "water", areas: ["soweto", "lenasia"], description: "Valve replacement",
                                                                        expectedAt: end, startsAt: start), moe: "water", planned: true, actor: "test", address: nil)
        else { Issue.record("not declared"); return }
        let job = AreaAlertJob(store: world.staff, engine: engine, clock: world.clock, chunk: 1)  // one number per transaction
        func new(_ r: Resident, since n: Int) async throws -> [String] { try await world.tickets.outbox(for: r.number).dropFirst(n).map(\.body) }
        #expect(try await job.run() == 0, "not yet: the evening before")
        let evening = calendar.at(hour: 18, on: calendar.startOfDay(start.addingTimeInterval(-86400)))
        world.clock.advance(evening.timeIntervalSince(world.clock.now()) - 60)
        #expect(try await job.run() == 0)
        // A report in Soweto before the start is not about the works.
        func english(_ number: String) async throws -> Phone {
            let phone = Phone(number, gateway: world.gateway), caller = phone.caller, now = world.clock.now()
            try await SQLiteConversationStore(world.database).transaction { tx in try tx.setLanguage("en", for: caller, at: now) }
            return phone
        }
        let early = try await english("+27821230020")
        _ = await early.dial()
        for input in ["1", "1", "1"] { _ = await early.send(input) }
        #expect(await early.send("1").text.hasPrefix(GSM7.transliterate(engine.locales.locale("en").strings["report.address"]!)))

        world.clock.advance(60)
        #expect(try await job.run() == 2, "the follower and the number following two of its areas, once each")
        let values = ["service": follower.strings["service.water"]!, "areas": "Soweto, Lenasia", "description": "Valve replacement",
                      "start": calendar.moment(start), "end": calendar.moment(end)]
        #expect(try await new(follower, since: before[0]) == [follower.expected("alert.announced", values)])
        #expect(try await new(twice, since: before[1]).count == 1)
        let (other, silenced) = (try await new(elsewhere, since: before[2]), try await new(stopped, since: before[3]))
        #expect(other.isEmpty && silenced.isEmpty)
        #expect(try await job.run() == 0, "queued once")

        // The start, once; a report in Soweto now is told of the works.
        world.clock.advance(start.timeIntervalSince(world.clock.now()))
        #expect(try await job.run() == 2)
        #expect(try await new(follower, since: before[0]).last == follower.expected("alert.started", values))
        let during = try await english("+27821230021")
        _ = await during.dial()
        for input in ["1", "1", "1"] { _ = await during.send(input) }
        let told = await during.send("1")
        #expect(told.text.hasPrefix(GSM7.transliterate(Template.fill(engine.locales.locale("en").strings["incident.known"]!,
                                                                         ["service": "Water", "area": "Soweto", "restore": calendar.moment(end)]))), "\(told.text)")
        // The end, once each.
        world.clock.advance(3 * 3600)
        _ = try await desk.change(works.id, moe: "water", IncidentDraft(description: "Water is back"), closing: true, actor: "test", address: nil)
        #expect(try await job.run() == 2)
        #expect(try await job.run() == 0)
        let (a, b) = (try await new(follower, since: before[0]), try await new(twice, since: before[1]))
        #expect(a.count == 3 && b.count == 3)
        #expect(try await new(follower, since: before[0]).last == follower.expected("alert.ended", values.merging(["description": "Water is back"]) { $1 }))
    }

    /// Planned works called off before anyone heard: nothing is sent. Called off after the
    /// announcement: subscribers are told they are cancelled.
    @Test func cancelledWorksAreToldOnlyToThoseWhoHeardOfThem() async throws {
        let world = try TestGateway()
        let engine = world.gateway.engine
        let r = Resident(world: world, number: MSISDN("+27821230030")!, language: "en")
        _ = try await r.text("ALERTS Soweto")
        let sent = try await world.tickets.outbox(for: r.number).count
        let desk = IncidentDesk(store: world.staff, engine: engine, clock: world.clock)
        let job = AreaAlertJob(store: world.staff, engine: engine, clock: world.clock)
        func plan(_ hours: Double) async throws -> Incident {
            let start = world.clock.now().addingTimeInterval(hours * 3600)
            guard case .done(let i) = try await desk.declare(IncidentDraft(service: "water", areas: ["soweto"], description: "Valve", expectedAt: start + 3600,
                                                                           startsAt: start), moe: "water", planned: true, actor: "t", address: nil)
            else { throw CancellationError() }
            return i
        }
        let far = try await plan(72)
        _ = try await job.run()
        _ = try await desk.change(far.id, moe: "water", IncidentDraft(description: "Not needed"), closing: true, actor: "t", address: nil)
        #expect(try await job.run() == 0)
        #expect(try await world.tickets.outbox(for: r.number).count == sent, "nobody heard of it")
        let near = try await plan(5)
        #expect(try await job.run() == 1, "announced at once: it starts within a day")
        _ = try await desk.change(near.id, moe: "water", IncidentDraft(description: "Postponed"), closing: true, actor: "t", address: nil)
        #expect(try await job.run() == 1)
        #expect(try await world.tickets.outbox(for: r.number).last?.body.hasPrefix("Cancelled: planned Water work in Soweto") == true)
        let closed = try await world.staff.incident(near.id, moe: "water")
        #expect(closed?.phase(at: world.clock.now()) == .cancelled)
    }

    /// An alert queued at night waits until 07:00; the daily cap holds it like any message; a reply
    /// due at night is not held.
    @Test func alertsWaitOutTheNightAndTheDailyCap() async throws {
        let world = try TestGateway()
        let engine = world.gateway.engine, calendar = engine.settings.calendar
        let r = Resident(world: world, number: MSISDN("+27821230040")!, language: "en")
        let night = calendar.at(hour: 21, on: calendar.startOfNextDay(world.clock.now()))
        world.clock.advance(night.timeIntervalSince(world.clock.now()))
        _ = try await r.text("ALERTS Soweto")
        let desk = IncidentDesk(store: world.staff, engine: engine, clock: world.clock)
        _ = try await desk.declare(IncidentDraft(service: "water", areas: ["soweto"], description: "Main burst"), moe: "water", actor: "t", address: nil)
        #expect(try await AreaAlertJob(store: world.staff, engine: engine, clock: world.clock).run() == 1)
        let quiet = QuietHours().quietUntil(world.clock.now(), calendar: calendar)
        #expect(quiet == calendar.at(hour: 7, on: calendar.startOfNextDay(night)))
        let claimed = try await world.outbox.claimDue(limit: 10, now: world.clock.now(), cap: nil, quietUntil: quiet, pseudonyms: nil)
        #expect(claimed.count == 1 && claimed[0].body.hasPrefix("Alerts on"), "the reply to ALERTS goes; the alert waits")
        world.clock.advance(9 * 3600 + 59 * 60)  // 06:59
        #expect(try await world.outbox.claimDue(limit: 10, now: world.clock.now(), cap: nil,
                                                 quietUntil: QuietHours().quietUntil(world.clock.now(), calendar: calendar), pseudonyms: nil).isEmpty)
        world.clock.advance(60)  // 07:00
        let morning = try await world.outbox.claimDue(limit: 10, now: world.clock.now(), cap: nil,
                                                       quietUntil: QuietHours().quietUntil(world.clock.now(), calendar: calendar), pseudonyms: nil)
        #expect(morning.map(\.body) == [SMSMeasure.cheapest(Template.fill(r.strings["alert.started"]!, [
            "service": "Water", "areas": "Soweto", "description": "Main burst", "start": calendar.moment(night), "end": r.strings["incident.no_time"]!]))])
        // Over the daily cap, an alert is held like any message.
        _ = try await desk.declare(IncidentDraft(service: "water", areas: ["soweto"], description: "Second burst"), moe: "water", actor: "t", address: nil)
        _ = try await AreaAlertJob(store: world.staff, engine: engine, clock: world.clock).run()
        let cap = DailySMSCap(limit: 1, since: calendar.startOfDay(world.clock.now()), nextDay: calendar.startOfNextDay(world.clock.now()))
        #expect(try await world.outbox.claimDue(limit: 10, now: world.clock.now(), cap: cap, quietUntil: nil, pseudonyms: nil).isEmpty)
        #expect(try await world.tickets.outbox(for: r.number).last?.status == "held")
    }
}

extension Array {
    func asyncMap<T>(_ f: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await f(e)) }
        return out
    }
}
