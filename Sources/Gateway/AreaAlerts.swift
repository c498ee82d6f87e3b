import Domain
import FlowEngine
import Foundation

/// Residents' area alerts: the rules of asking for them, and what each alert says.
public enum AreaAlerts {
    /// Areas one number may follow.
    public static let maxAreas = 3

    /// The area a resident named: its name or code, in any case, with any punctuation ("orange
    /// farm", "Orange-Farm", "ORANGE_FARM").
    static func area(named text: String, in catalogue: ServiceCatalogue) -> String? {
        let wanted = IncidentReports.fold(text)
        guard !wanted.isEmpty else { return nil }
        return catalogue.areas.first { IncidentReports.fold($0.name) == wanted || IncidentReports.fold($0.code) == wanted }?.code
    }

    /// Areas named in `text`, separated by commas: the codes, or the first name not known.
    static func areas(in text: String, catalogue: ServiceCatalogue) -> Result<[String], AreaNotKnown> {
        var codes: [String] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let code = area(named: name, in: catalogue) else { return .failure(AreaNotKnown(name: String(name.prefix(40)))) }
            if !codes.contains(code) { codes.append(code) }
        }
        return .success(codes)
    }

    struct AreaNotKnown: Error { var name: String }

    /// Whether `word` is "off" in any shipped language (`alerts.off`).
    static func isOff(_ word: Substring, locales: Locales) -> Bool {
        let w = IncidentReports.fold(String(word))
        return locales.ordered.contains { SmsKeywords.list($0.strings["alerts.off"]).contains(w) }
    }

    /// A USSD caller's request for `area`'s alerts: nil when they follow the most areas already.
    static func subscription(_ area: String, caller: MSISDN, language: String, have: [String]) -> AlertSubscriptionChange? {
        guard have.contains(area) || have.count < maxAreas else { return nil }
        return .add(caller, areas: [area], language: language, limit: maxAreas)
    }

    /// Area names as residents read them, in catalogue order.
    static func names(_ codes: [String], _ catalogue: ServiceCatalogue) -> String {
        catalogue.areas.filter { codes.contains($0.code) }.map(\.name).joined(separator: ", ")
    }
}

/// What an area alert says, in every language.
public struct AreaAlertNews: Sendable {
    let engine: FlowEngine

    public init(engine: FlowEngine) { self.engine = engine }

    public func bodies(_ kind: AreaAlertKind, _ incident: Incident) -> IncidentBroadcast {
        IncidentNews(engine: engine).bodies(incident, template: "alert.\(kind.rawValue)")
    }
}

/// Queues the area alerts that are due: each for its area's subscribers, a chunk of numbers per
/// transaction, so a large area never holds residents' hops up. Safe on several instances (each
/// chunk locks its alert and resumes after the last number queued).
public struct AreaAlertJob: Sendable {
    let store: any AreaAlertStore
    let engine: FlowEngine
    let clock: any WallClock
    let chunk: Int

    public init(store: any AreaAlertStore, engine: FlowEngine, clock: any WallClock, chunk: Int = 2000) {
        (self.store, self.engine, self.clock, self.chunk) = (store, engine, clock, max(1, chunk))
    }

    /// One pass; returns how many SMS it queued.
    @discardableResult
    public func run() async throws -> Int {
        var queued = 0
        for alert in try await store.dueAlerts(now: clock.now(), limit: 100) {
            let bodies = AreaAlertNews(engine: engine).bodies(alert.kind, alert.incident)
            while let progress = try await store.queueAlert(alert.id, bodies, chunk: chunk, at: clock.now()) {
                queued += progress.queued
                if progress.done { break }
                await Task.yield()
            }
        }
        return queued
    }
}

extension SmsKeywordHandlers {
    /// `ALERTS <area>[, <area>]`: SMS alerts of planned works and faults there (up to three
    /// areas); `ALERTS` alone lists them; `ALERTS OFF [area]` ends them.
    struct Alerts: SmsKeywordHandler {
        func answer(_ turn: inout SmsTurn, settings: SmsGateway.Settings) throws -> SmsAnswer {
            let catalogue = turn.engine.catalogue, from = turn.sms.from
            let have = try turn.reads.alertAreas(of: from)
            let argument = turn.argument.trimmingCharacters(in: .whitespaces)
            guard !argument.isEmpty else {
                return .plan(turn.reply(have.isEmpty ? turn.text("sms.alerts_none") : turn.text("sms.alerts_list", ["areas": AreaAlerts.names(have, catalogue)])))
            }
            let words = argument.split(separator: " ", maxSplits: 1)
            if let first = words.first, AreaAlerts.isOff(first, locales: turn.engine.locales) {
                let rest = words.count > 1 ? String(words[1]) : ""
                var ending = have
                if !rest.isEmpty {
                    switch AreaAlerts.areas(in: rest, catalogue: catalogue) {
                    case .failure(let unknown): return .plan(turn.reply(turn.text("sms.alerts_unknown", ["area": unknown.name])))
                    case .success(let named): ending = named.filter(have.contains)
                    }
                }
                guard !ending.isEmpty else { return .plan(turn.reply(turn.text("sms.alerts_none"))) }
                turn.write.alerts = .remove(from, areas: rest.isEmpty ? [] : ending)
                return .plan(turn.reply(turn.text("sms.alerts_off", ["areas": AreaAlerts.names(ending, catalogue)])))
            }
            switch AreaAlerts.areas(in: argument, catalogue: catalogue) {
            case .failure(let unknown):
                return .plan(turn.reply(turn.text("sms.alerts_unknown", ["area": unknown.name])))
            case .success(let named):
                let added = named.filter { !have.contains($0) }
                guard have.count + added.count <= AreaAlerts.maxAreas else {
                    return .plan(turn.reply(turn.text("sms.alerts_full", ["areas": AreaAlerts.names(have, catalogue)])))
                }
                turn.write.alerts = .add(from, areas: named, language: turn.language, limit: AreaAlerts.maxAreas)
                return .plan(turn.reply(turn.text("sms.alerts_on", ["areas": AreaAlerts.names(have + added, catalogue)])))
            }
        }
    }
}
