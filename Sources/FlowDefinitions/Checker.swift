import Domain
import FlowEngine
import Yams

/// The checks that run on start-up, in `menus check` and in the tests.
struct Checker {
    let flow: Flow
    let flowFile: FlowFile
    let flowPath: String
    let catalogue: ServiceCatalogue
    var problems: [DefinitionProblem] = []

    init(flow: Flow, flowFile: FlowFile, flowPath: String, catalogue: ServiceCatalogue) {
        self.flow = flow
        self.flowFile = flowFile
        self.flowPath = flowPath
        self.catalogue = catalogue
    }

    /// Strings the engine and the host use outside any one state.
    static let commonKeys = [
        "nav.more", "nav.back", "nav.home", "common.invalid_choice", "common.error", "common.expired",
        "recent.line", "track.no_update", "track.no_date", "sms.ticket_created", "sms.tickets_created", "common.report_limit",
        "incident.no_time", "sms.incident_update", "sms.incident_closed", "main.privacy",
    ] + AreaAlertKind.allCases.map { "alert.\($0.rawValue)" }

    /// Strings the SMS gateway uses outside any state.
    static let smsKeys = [
        "sms.help", "sms.stopped", "sms.started", "sms.language_set", "sms.language_usage", "sms.report_usage",
        "sms.status_usage", "sms.status_update", "sms.merged", "fault.unspecified", "sms.late_recorded", "sms.late_usage",
        "sms.survey", "sms.survey_thanks", "sms.survey_reopened", "sms.mydata", "sms.verify_code",
        "alerts.off", "sms.alerts_on", "sms.alerts_list", "sms.alerts_none", "sms.alerts_off", "sms.alerts_full", "sms.alerts_unknown", "alerts.full",
    ] + crewKeys

    /// What crews and residents read of field work (job cards, replies to JOBS, ONSITE, DONE, CANT, STOP).
    static let crewKeys = [
        "crew.card", "crew.jobs_head", "crew.jobs_more", "crew.no_jobs", "crew.usage", "crew.bad_reference", "crew.no_job", "crew.onsite_ok",
        "crew.done_ok", "crew.cant_ok", "crew.not_yours", "crew.already_on_site", "crew.cant_usage", "crew.closed", "crew.stop",
        "sms.crew_on_site", "sms.crew_fixed",
    ]

    /// Names a template may use.
    static let placeholders: Set<String> = ["service", "fault", "area", "address", "language", "reference", "status", "moe", "update", "expected", "tickets", "languages", "count",
                                                 "restore", "areas", "description", "message_days", "number_days", "code", "master",
                                                 "crew", "digits", "job", "job_label", "due", "reports", "onsite", "done", "cant", "jobs", "note", "reason",
                                                 "what", "ago", "n", "join_reference", "start", "end"]

    private mutating func problem(state: StateID, _ message: String) {
        let mark = flowFile.stateMarks[state]
        problems.append(DefinitionProblem(file: flowPath, line: mark?.line, column: mark?.column, place: "state '\(state)'", message: message))
    }

    /// Every transition lands on a state; every state can be reached.
    mutating func checkStructure() {
        for (role, id) in [("start", flow.start), ("language_choice", flow.languageChoice), ("resume_offer", flow.resumeOffer)]
            + (flow.crewStart.map { [("crew_start", $0)] } ?? [])
        where flow.states[id] == nil {
            problems.append(DefinitionProblem(file: flowPath, place: role, message: "unknown state '\(id)'"))
        }
        for id in flow.states.keys.sorted() {
            for target in flow.states[id]!.targets where flow.states[target] == nil {
                problem(state: id, "leads to unknown state '\(target)'")
            }
        }
        for (keyword, target) in flow.keywords.sorted(by: { $0.key < $1.key }) where flow.states[target] == nil {
            let mark = flowFile.keywordMarks[keyword]
            problems.append(DefinitionProblem(file: flowPath, line: mark?.line, column: mark?.column, place: "keyword '\(keyword)'",
                                              message: "starts at unknown state '\(target)'"))
        }
        for (code, entry) in flow.entries.sorted(by: { $0.key < $1.key }) {
            let mark = flowFile.entryMarks[code]
            func report(_ message: String) {
                problems.append(DefinitionProblem(file: flowPath, line: mark?.line, column: mark?.column, place: "service code '\(code)'", message: message))
            }
            if flow.states[entry.state] == nil { report("opens unknown state '\(entry.state)'") }
            if let service = entry.slots["service"], catalogue.service(service) == nil { report("names unknown service '\(service)'") }
            if let area = entry.slots["area"], catalogue.area(area) == nil { report("names unknown area '\(area)'") }
        }
        var seen: Set<StateID> = []
        var queue = [flow.start, flow.languageChoice, flow.resumeOffer] + flow.keywords.values.sorted() + flow.entries.values.map(\.state).sorted()
            + (flow.crewStart.map { [$0] } ?? [])
        while let id = queue.popLast() {
            guard seen.insert(id).inserted, let state = flow.states[id] else { continue }
            queue += state.targets
        }
        for id in flow.states.keys.sorted() where !seen.contains(id) {
            problem(state: id, "cannot be reached from '\(flow.start)', '\(flow.languageChoice)' or '\(flow.resumeOffer)'")
        }
    }

    /// Every key the flow, the catalogue and the host use is translated; templates use known names.
    mutating func checkTranslations(_ locale: LocaleStrings, file: String, marks: [TextKey: Mark]) {
        var needed: [(TextKey, String)] = flowFile.textUses.map { ($0.key, "used by state '\($0.state)' (\(flowPath):\($0.mark?.line ?? 0))") }
        needed += Self.commonKeys.map { ($0, "used by the engine") }
        needed += (flow.keywords.keys.sorted() + flow.commands).map { ("keyword.\($0)", "SMS keyword '\($0)' in \(flowPath)") }
        if !flow.keywords.isEmpty {
            needed += Self.smsKeys.map { ($0, "used by the SMS gateway") }
            needed += catalogue.services.map { ("synonyms.service.\($0.code)", "service '\($0.code)' named in a one-shot SMS report") }
        }
        needed += TicketStatus.allCases.map { ("status.\($0.rawValue)", "a ticket status") }
        if flow.states.values.contains(where: { if case .list(_, .duplicates, _, _) = $0.kind { true } else { false } }) {
            needed += ["duplicate.add", "duplicate.different", "duplicate.minutes", "duplicate.hours", "duplicate.days", "duplicate.joined_sms"]
                .map { ($0, "the offer to join a ticket already reported") }
        }
        if flow.states.values.contains(where: { if case .list(_, .reasons, _, _) = $0.kind { true } else { false } }) {
            needed += CannotFixReason.allCases.map { ("crew.reason.\($0.rawValue)", "a reason a crew cannot fix a job") }
        }
        needed += catalogue.moes.map { ("moe.\($0.code)", "MOE '\($0.code)' in the catalogue") }
        for service in catalogue.services {
            needed.append(("service.\(service.code)", "service '\(service.code)' in the catalogue"))
            needed += service.faults.map { ("fault.\(service.code).\($0.code)", "fault type of '\(service.code)' in the catalogue") }
        }
        var reported: Set<TextKey> = []
        for (key, why) in needed where locale.strings[key] == nil && reported.insert(key).inserted {
            problems.append(DefinitionProblem(file: file, place: "key '\(key)'", message: "missing translation (\(why))"))
        }
        for (key, text) in locale.strings.sorted(by: { $0.key < $1.key }) {
            let mark = marks[key]
            for name in Template.names(in: text) where !Self.placeholders.contains(name) {
                problems.append(DefinitionProblem(file: file, line: mark?.line, column: mark?.column, place: "key '\(key)'",
                                                  message: "unknown placeholder {\(name)}"))
            }
            let bad = GSM7.unencodable(text)
            if !bad.isEmpty {
                problems.append(DefinitionProblem(file: file, line: mark?.line, column: mark?.column, place: "key '\(key)'",
                                                  message: "characters outside GSM-7 with no transliteration: \(String(bad))"))
            }
        }
    }

    /// Replies that can be a number's first (so end with the privacy line): the keyword answers.
    static let firstReplies = ["sms.help", "sms.report_done", "sms.report_usage", "sms.status_usage", "sms.language_set", "sms.language_usage",
                               "sms.late_usage", "sms.late_recorded", "sms.survey_thanks", "sms.survey_reopened", "common.report_limit"]

    /// The segments of a reply with the first contact's privacy line after it, as `SmsGateway` sends it.
    static func withPrivacyLine(_ reply: String, _ locale: LocaleStrings) -> Int {
        SMSMeasure.of(SMSMeasure.cheapest(reply + "\n" + (locale.strings["main.privacy"] ?? ""))).segments
    }

    /// Every screen fits the budget with the longest real data. Returns notes for `menus check`.
    mutating func checkScreens(_ engine: FlowEngine, files: [String: String]) -> [String] {
        var notes: [String] = []
        var worst: [String: ScreenSample] = [:]
        let sms = engine.settings.medium == .sms
        for sample in engine.sampleScreens() {
            let segments = SMSMeasure.of(sample.text).segments
            if sms && segments > 2 {
                let note = "warning: \(flowPath): state '\(sample.state)', locale '\(sample.locale)': up to \(segments) SMS segments (over 2)"
                if !notes.contains(note) { notes.append(note) }
            }
            if sms ? segments > 3 : sample.cost > engine.settings.screenBudget {
                let mark = flowFile.stateMarks[sample.state]
                problems.append(DefinitionProblem(
                    file: flowPath, line: mark?.line, column: mark?.column,
                    place: "state '\(sample.state)', locale '\(sample.locale)' (\(files[sample.locale] ?? "")), \(sample.variant)",
                    message: (sms ? "reply is \(segments) SMS segments, over 3:" : "screen is \(sample.cost) GSM-7 characters, over the \(engine.settings.screenBudget) budget:") + "\n    \(sample.text.replacingOccurrences(of: "\n", with: "\n    "))"))
            }
            // A number's first message may open a flow at a keyword's state: its reply then carries the privacy line too.
            if sms, engine.flow.keywords.values.contains(sample.state) {
                let first = Self.withPrivacyLine(sample.text, engine.locales.locale(sample.locale))
                if first > 3 {
                    problems.append(DefinitionProblem(file: flowPath, place: "state '\(sample.state)', locale '\(sample.locale)', first contact",
                                                      message: "reply with main.privacy is \(first) SMS segments, over 3"))
                }
            }
            if (worst[sample.locale]?.cost ?? -1) < sample.cost { worst[sample.locale] = sample }
        }
        for locale in engine.locales.ordered where !sms {
            for (key, text) in locale.strings.sorted(by: { $0.key < $1.key }) {
                let plain = GSM7.transliterate(text)
                if plain != text {
                    let changed = Set(text.filter { !GSM7.isEncodable(String($0)) }).sorted().map { "\($0)->\(GSM7.transliterate(String($0)))" }
                    notes.append("\(files[locale.code] ?? locale.code): key '\(key)': transliterated for USSD (\(changed.joined(separator: " ")))")
                }
            }
            if let w = worst[locale.code] {
                notes.append("\(files[locale.code] ?? locale.code): fullest screen \(w.cost)/\(engine.settings.screenBudget) (state '\(w.state)', \(w.variant))")
            }
        }
        if sms {
            // Every SMS template with the longest real values: segments and coding.
            let worstValues = ["reference": "999 999 999", "update": String(repeating: "x", count: engine.settings.updateDisplayLimit),
                               "languages": engine.locales.codes.map { $0.uppercased() }.joined(separator: ", "),
                               // An incident's broadcast: the longest description, three long areas and more.
                               "description": String(repeating: "x", count: IncidentRules.maxDescription), "restore": "2026-12-31 23:59",
                               "start": "2026-12-31 23:59", "end": "2026-12-31 23:59",
                               "areas": catalogue.areas.map(\.name).sorted { $0.count > $1.count }.prefix(3).joined(separator: ", ") + " +97"]
            for locale in engine.locales.ordered {
                var values = worstValues
                values["status"] = TicketStatus.allCases.map { locale.strings["status.\($0.rawValue)"] ?? "" }.max { $0.count < $1.count }
                values["fault"] = locale.strings.filter { $0.key.hasPrefix("fault.") }.values.max { $0.count < $1.count }
                values["service"] = locale.strings.filter { $0.key.hasPrefix("service.") }.values.max { $0.count < $1.count }
                (values["message_days"], values["number_days"], values["code"]) = ("36500", "36500", "999999")
                for key in Self.firstReplies {
                    guard let template = locale.strings[key] else { continue }
                    let first = Self.withPrivacyLine(Template.fill(template, values), locale)
                    if first > 3 {
                        problems.append(DefinitionProblem(file: files[locale.code] ?? locale.code, place: "key '\(key)', first contact",
                                                          message: "reply with main.privacy is \(first) SMS segments, over 3"))
                    }
                }
                var parts: [String] = []
                for (key, template) in locale.strings.sorted(by: { $0.key < $1.key }) where key.hasPrefix("sms.") || key.hasPrefix("alert.") {
                    let measure = SMSMeasure.of(SMSMeasure.cheapest(Template.fill(template, values)))
                    parts.append("\(key.dropFirst(4)) \(measure.segments)\(measure.coding == .ucs2 ? " (UCS-2)" : "")")
                    if measure.segments > 2 { notes.append("warning: \(files[locale.code] ?? locale.code): key '\(key)': \(measure.segments) SMS segments (over 2)") }
                }
                notes.append("\(files[locale.code] ?? locale.code): SMS segments: " + parts.joined(separator: ", "))
            }
        }
        return notes
    }
}
