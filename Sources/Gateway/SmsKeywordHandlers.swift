import Domain
import FlowEngine
import Foundation

/// What a keyword's handler decided: the write to commit as it stands, or a turn of the flow to
/// settle (a screen whose text becomes the reply).
enum SmsAnswer {
    case plan(SmsGateway.Plan)
    case flow(Turn)
}

/// One SMS keyword (`keyword.<name>` in every locale): registered by name with the gateway, so a
/// new keyword is added, not wedged into a switch.
protocol SmsKeywordHandler: Sendable {
    /// Answered even from a number that sent STOP, and before any conversation (STOP and START).
    var answersOptedOut: Bool { get }
    func answer(_ turn: inout SmsTurn, settings: SmsGateway.Settings) throws -> SmsAnswer
}

extension SmsKeywordHandler {
    var answersOptedOut: Bool { false }
}

/// The keywords CivicGate answers itself; any other keyword begins the flow state `menus/` names for it.
enum SmsKeywordHandlers {
    static let standard: [String: any SmsKeywordHandler] = [
        "stop": Stop(), "start": Start(), "lang": Language(), "report": OneLineReport(), "status": Status(), "mydata": MyData(), "late": Late(),
        "alerts": Alerts(),
    ].merging(crew) { a, _ in a }

    /// `STOP`: nothing more to this number until START. Confirmed once; a second STOP is recorded, not answered.
    struct Stop: SmsKeywordHandler {
        var answersOptedOut: Bool { true }
        func answer(_ turn: inout SmsTurn, settings: SmsGateway.Settings) throws -> SmsAnswer {
            // A crew's work number is not a resident's: it stays reachable, and is told whom to ask.
            if let crew = try turn.crew() {
                return .plan(turn.crewReply(turn.engine.crewText("crew.stop", crew: crew, ["crew": crew.name, "moe": crew.moe])))
            }
            if turn.subscriber?.optedOut == true { return .plan(.write(turn.write)) }
            turn.write.optOut = true
            // Silences area alerts too, for good: a later START does not bring them back.
            turn.write.alerts = .remove(turn.sms.from, areas: [])
            try turn.endConversation()
            return .plan(turn.reply(turn.text("sms.stopped"), evenIfOptedOut: true))
        }
    }

    /// `START`: messages again.
    struct Start: SmsKeywordHandler {
        var answersOptedOut: Bool { true }
        func answer(_ turn: inout SmsTurn, settings: SmsGateway.Settings) throws -> SmsAnswer {
            turn.write.optOut = false
            return .plan(turn.reply(turn.text("sms.started"), evenIfOptedOut: true))
        }
    }

    /// `LANG <code or name>`: the number's language, confirmed in it.
    struct Language: SmsKeywordHandler {
        func answer(_ turn: inout SmsTurn, settings: SmsGateway.Settings) throws -> SmsAnswer {
            guard let code = turn.keywords.language(named: turn.argument) else {
                let codes = turn.engine.locales.codes.map { $0.uppercased() }.joined(separator: ", ")
                return .plan(turn.reply(turn.text("sms.language_usage", ["languages": codes])))
            }
            turn.write.language = code
            return .plan(turn.reply(Template.fill(turn.engine.locales.locale(code).strings["sms.language_set"] ?? "", [:])))
        }
    }

    /// `REPORT <service> <what and where>` in one message; `REPORT` alone asks step by step.
    struct OneLineReport: SmsKeywordHandler {
        func answer(_ turn: inout SmsTurn, settings: SmsGateway.Settings) throws -> SmsAnswer {
            guard !turn.argument.isEmpty else { return try FlowKeyword().answer(&turn, settings: settings) }
            guard let (service, rest) = turn.keywords.service(in: turn.argument), rest.count >= 3 else {
                return .plan(turn.reply(turn.text("sms.report_usage")))
            }
            let engine = turn.engine
            if let area = try IncidentReports.namedArea(in: rest, service: service, catalogue: engine.catalogue, at: turn.now, turn.reads),
               let state = engine.flow.states.values.first(where: { if case .action(.findIncident, _, _) = $0.kind { true } else { false } })?.id {
                // About a known incident: told and attached, as in the step-by-step report.
                return .flow(engine.begin(at: state, language: turn.language, slots: ["service": service, "fault": "unspecified", "area": area],
                                          context: turn.context))
            }
            if let state = engine.flow.states.values.first(where: { if case .action(.findDuplicate, _, _) = $0.kind { true } else { false } })?.id {
                // Already reported and open: offered, as in the step-by-step report; otherwise filed at once.
                return .flow(engine.begin(at: state, language: turn.language, slots: [
                    "service": service, "fault": "unspecified", "area": "unknown", "address": String(rest.prefix(200)), "description": String(rest.prefix(500)),
                ], context: turn.context))
            }
            let draft = TicketDraft(reference: turn.reference, service: service, fault: "unspecified", area: "unknown",
                                    address: String(rest.prefix(200)), description: String(rest.prefix(500)), channel: .sms,
                                    reporter: turn.sms.from, language: turn.language)
            try turn.endConversation()
            if turn.limitReached { return .plan(turn.reply(turn.text("common.report_limit"))) }
            if try turn.reads.referenceExists(turn.reference) { return .plan(.again) }
            turn.write.ticket = engine.newTicket(draft, at: turn.now, confirm: false)  // the reply is the confirmation
            turn.write.reportLimit = .today(turn.sms.from, limit: settings.maxReportsPerDay, calendar: engine.settings.calendar, now: turn.now)
            return .plan(turn.reply(turn.text("sms.report_done", ["reference": turn.reference.grouped])))
        }
    }

    /// `STATUS <reference>`: the ticket as Track shows it.
    struct Status: SmsKeywordHandler {
        func answer(_ turn: inout SmsTurn, settings: SmsGateway.Settings) throws -> SmsAnswer {
            guard let r = try? Reference(parsing: turn.argument), let flow = turn.begin("status", slots: ["reference": r.grouped]) else {
                return .plan(turn.reply(turn.text("sms.status_usage")))
            }
            return .flow(flow)
        }
    }

    /// `MYDATA`: how to ask what is held and for its erasure, in the resident's language.
    struct MyData: SmsKeywordHandler {
        func answer(_ turn: inout SmsTurn, settings: SmsGateway.Settings) throws -> SmsAnswer {
            .plan(turn.reply(turn.text("sms.mydata", ["message_days": String(settings.retention.days[.inboundSMS] ?? 90),
                                                      "number_days": String(settings.retention.days[.reporterNumbers] ?? 365)])))
        }
    }

    /// `LATE <reference>`: a reporter of an overdue ticket says so, recorded once a day and the MOE's
    /// supervisors told. Anyone else, or a ticket that is not late, gets its status and nothing more.
    struct Late: SmsKeywordHandler {
        func answer(_ turn: inout SmsTurn, settings: SmsGateway.Settings) throws -> SmsAnswer {
            guard let r = try? Reference(parsing: turn.argument) else { return .plan(turn.reply(turn.text("sms.late_usage"))) }
            let since = turn.engine.settings.calendar.startOfDay(turn.now)
            switch try turn.reads.chaseFacts(r, by: turn.sms.from, since: since)?.decide(now: turn.now) {
            case .record(let escalate):
                turn.write.chase = TicketChase(reference: r, reporter: turn.sms.from, escalate: escalate, channel: "SMS", since: since,
                                               triageMOE: turn.engine.serviceLevels.triageMOE)
                try turn.endConversation()
                return .plan(turn.reply(turn.text("sms.late_recorded", ["reference": r.grouped])))
            case .alreadyRecorded:
                return .plan(turn.reply(turn.text("sms.late_recorded", ["reference": r.grouped])))
            case .showStatus, nil:
                return try Status().answer(&turn, settings: settings)
            }
        }
    }

    /// Any other keyword: the flow state `menus/` starts it at, or help.
    struct FlowKeyword: SmsKeywordHandler {
        func answer(_ turn: inout SmsTurn, settings: SmsGateway.Settings) throws -> SmsAnswer {
            guard let name = turn.command?.name, let flow = turn.begin(name) else { return .plan(turn.reply(turn.text("sms.help"))) }
            return .flow(flow)
        }
    }

    /// Text that is no keyword: a bare digit answers the newest survey sent to this number in the
    /// last week, if unanswered; anything else gets help, at most once a day per number.
    struct BareText: SmsKeywordHandler {
        func answer(_ turn: inout SmsTurn, settings: SmsGateway.Settings) throws -> SmsAnswer {
            let digit = turn.sms.text.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
            if digit.count == 1, let rating = Int(digit), (0...5).contains(rating),
               let survey = try turn.reads.openSurvey(of: turn.sms.from, since: turn.now.addingTimeInterval(-SurveyJob.window)) {
                turn.write.surveyAnswer = SurveyAnswer(surveyID: survey.id, rating: rating, reporter: turn.sms.from,
                                                       triageMOE: turn.engine.serviceLevels.triageMOE)
                return .plan(turn.reply(turn.text(rating == 0 ? "sms.survey_reopened" : "sms.survey_thanks", ["reference": survey.reference.grouped])))
            }
            if let last = turn.subscriber?.lastHelpAt, turn.now.timeIntervalSince(last) < settings.helpInterval { return .plan(.write(turn.write)) }
            turn.write.helpSentAt = turn.now
            return .plan(turn.reply(turn.text("sms.help")))
        }
    }
}
