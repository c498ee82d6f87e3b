import Domain
import FlowEngine
import Foundation
import Logging

/// An SMS from a resident, in one shape whatever the provider.
public struct InboundSMS: Sendable, Equatable {
    public var provider: String
    /// The provider's message id, when it sends one: a retried delivery is handled once.
    public var providerID: String?
    public var from: MSISDN
    public var to: String?
    public var text: String

    public init(provider: String, providerID: String?, from: MSISDN, to: String?, text: String) {
        self.provider = provider
        self.providerID = providerID
        self.from = from
        self.to = to
        self.text = text
    }
}

/// SMS keywords and conversations. Every reply goes through the outbox, written in the same
/// transaction as what the message changed; the webhook itself answers with an empty 200.
public struct SmsGateway: Sendable {
    public let engine: FlowEngine
    let keywords: SmsKeywords
    let store: any ConversationStore
    let clock: any WallClock
    let references: @Sendable () -> Reference
    let settings: Settings
    let logger: Logger

    public struct Settings: Sendable {
        /// A conversational REPORT left this long is forgotten.
        public var conversationTimeout: TimeInterval = 30 * 60
        /// The help reply to unknown text goes at most this often per number.
        public var helpInterval: TimeInterval = 24 * 3600
        /// Reports one number may make by USSD and SMS per municipal day.
        public var maxReportsPerDay = 10
        /// What `MYDATA` says is kept, and for how long.
        public var retention = RetentionPolicy()
        /// A number erased or purged keeps its STOP and language under its pseudonym.
        public var pseudonyms: Pseudonyms?
        public init(maxReportsPerDay: Int = 10, retention: RetentionPolicy = RetentionPolicy(), pseudonyms: Pseudonyms? = nil) {
            (self.maxReportsPerDay, self.retention, self.pseudonyms) = (maxReportsPerDay, retention, pseudonyms)
        }
    }

    public init(engine: FlowEngine, store: any ConversationStore, clock: any WallClock, references: @escaping @Sendable () -> Reference,
                settings: Settings = .init(), logger: Logger = Logger(label: "civicgate.sms")) {
        self.engine = engine
        self.keywords = SmsKeywords(engine)
        self.store = store
        self.clock = clock
        self.references = references
        self.settings = settings
        self.logger = logger
    }

    enum Plan: Sendable {
        case nothing
        case write(HopWrite)
        case again
    }

    public func handle(_ sms: InboundSMS) async {
        do {
            var limitReached = false
            for _ in 0..<8 {
                let now = clock.now()
                let reference = references()
                let plan = try await store.read { [limitReached] reads in
                    try self.plan(sms, reads, now: now, reference: reference, limitReached: limitReached)
                }
                switch plan {
                case .nothing: return
                case .again: continue
                case .write(let write):
                    switch try await store.write(write) {
                    case .committed:
                        if let t = write.ticket {
                            logger.info("ticket created", metadata: ["ticket": "\(t.draft.reference.digits)", "queue": "\(t.destination.queue)", "channel": "sms"])
                        }
                        return
                    case .sessionChanged, .referenceTaken: continue
                    case .reportLimitReached: limitReached = true  // plan again: the sender is told why
                    }
                }
            }
            throw GatewayError.contention
        } catch {
            logger.error("SMS handling failed", metadata: ["msisdn": "\(sms.from.masked)", "error": "\(error)"])
        }
    }

    static func sessionKey(_ msisdn: MSISDN) -> String { "sms:" + msisdn.e164 }

    private func plan(_ sms: InboundSMS, _ reads: any ConversationReads, now: Date, reference: Reference, limitReached: Bool) throws -> Plan {
        if let id = sms.providerID, try reads.inboundSeen(provider: sms.provider, id: id) { return .nothing }
        var subscriber = try reads.subscriber(sms.from)
        var write = HopWrite(session: nil, at: now)
        if subscriber == nil, let pseudonym = settings.pseudonyms?.of(sms.from.e164), let kept = try reads.subscriber(key: pseudonym) {
            // An erased or purged number writes again: its STOP and language hold, and are kept in clear again from now.
            subscriber = kept
            (write.language, write.optOut) = (kept.language, kept.optedOut ? true : nil)
        }
        let command = keywords.match(sms.text)
        let language = subscriber?.language ?? command?.language ?? engine.locales.fallback
        let loc = engine.locales.locale(language)
        write.msisdn = sms.from
        write.inbound = InboundRecord(provider: sms.provider, providerID: sms.providerID, from: sms.from, text: sms.text, receivedAt: now)
        func reply(_ text: String, evenIfOptedOut: Bool = false) -> Plan {
            var text = text
            if subscriber == nil && !evenIfOptedOut && command?.name != "mydata" {
                // A number's first contact carries one line on what is kept and how to ask (MYDATA), in the reply's language.
                write.firstContact = true
                text += "\n" + (engine.locales.locale(write.language ?? language).strings["main.privacy"] ?? "")
            }
            write.messages.append(OutboundSMS(to: sms.from, body: SMSMeasure.cheapest(text), evenIfOptedOut: evenIfOptedOut))
            return .write(write)
        }
        func text(_ key: String, _ values: [String: String] = [:]) -> String { Template.fill(loc.strings[key] ?? key, values) }

        switch command?.name {
        case "stop":
            // Confirmed once: a second STOP while opted out is recorded and not answered.
            if subscriber?.optedOut == true { return .write(write) }
            write.optOut = true
            write.session = try endedConversation(sms.from, reads, now)
            return reply(text("sms.stopped"), evenIfOptedOut: true)
        case "start":
            write.optOut = false
            return reply(text("sms.started"), evenIfOptedOut: true)
        default:
            break
        }
        // Opted out: nothing goes back until START, but the message is still recorded.
        if subscriber?.optedOut == true { return .write(write) }

        let context = TurnContext(now: now, caller: sms.from, channel: .sms, freshReference: reference)
        let stored = try reads.session(key: Self.sessionKey(sms.from))
        let live = stored.flatMap { s in !s.session.ended && now.timeIntervalSince(s.updatedAt) < settings.conversationTimeout ? s : nil }
        let inInput = live.map { engine.flow.states[$0.session.state].map { if case .input = $0.kind { true } else { false } } ?? false } ?? false

        var turn: Turn
        if let live, command == nil || inInput, command?.name != "help" {
            turn = engine.step(live.session, input: sms.text, context: context)
        } else {
            switch command?.name {
            case "lang":
                guard let code = keywords.language(named: command!.argument) else {
                    return reply(text("sms.language_usage", ["languages": engine.locales.codes.map { $0.uppercased() }.joined(separator: ", ")]))
                }
                write.language = code
                return reply(Template.fill(engine.locales.locale(code).strings["sms.language_set"] ?? "", [:]))
            case "report" where !command!.argument.isEmpty:
                guard let (service, rest) = keywords.service(in: command!.argument), rest.count >= 3 else {
                    return reply(text("sms.report_usage"))
                }
                if let area = try IncidentReports.namedArea(in: rest, service: service, catalogue: engine.catalogue, reads),
                   let state = engine.flow.states.values.first(where: { if case .action(.findIncident, _, _) = $0.kind { true } else { false } })?.id {
                    // About a known incident: told and attached, as in the step-by-step report.
                    turn = engine.begin(at: state, language: language, slots: ["service": service, "fault": "unspecified", "area": area], context: context)
                    break
                }
                let draft = TicketDraft(reference: reference, service: service, fault: "unspecified", area: "unknown",
                                        address: String(rest.prefix(200)), description: String(rest.prefix(500)), channel: .sms,
                                        reporter: sms.from, language: language)
                write.session = try endedConversation(sms.from, reads, now)
                if limitReached { return reply(text("common.report_limit")) }
                if try reads.referenceExists(reference) { return .again }
                write.ticket = engine.newTicket(draft, at: now, confirm: false)  // the reply is the confirmation
                write.reportLimit = .today(sms.from, limit: settings.maxReportsPerDay, calendar: engine.settings.calendar, now: now)
                return reply(text("sms.report_done", ["reference": reference.grouped]))
            case "status":
                guard let r = try? Reference(parsing: command!.argument) else { return reply(text("sms.status_usage")) }
                turn = engine.begin(at: engine.flow.keywords["status"]!, language: language, slots: ["reference": r.grouped], context: context)
            case "mydata":
                // How to ask what is held and for its erasure, in the resident's language.
                return reply(text("sms.mydata", ["message_days": String(settings.retention.days[.inboundSMS] ?? 90),
                                                 "number_days": String(settings.retention.days[.reporterNumbers] ?? 365)]))
            case "late":
                // A reporter of an overdue ticket says so: recorded once a day, the MOE's supervisors told.
                // Anyone else, or a ticket that is not late, gets its status and nothing more.
                guard let r = try? Reference(parsing: command!.argument) else { return reply(text("sms.late_usage")) }
                let since = engine.settings.calendar.startOfDay(now)
                switch try reads.chaseFacts(r, by: sms.from, since: since)?.decide(now: now) {
                case .record(let escalate):
                    write.chase = TicketChase(reference: r, reporter: sms.from, escalate: escalate, channel: "SMS", since: since,
                                              triageMOE: engine.serviceLevels.triageMOE)
                    write.session = try endedConversation(sms.from, reads, now)
                    return reply(text("sms.late_recorded", ["reference": r.grouped]))
                case .alreadyRecorded:
                    return reply(text("sms.late_recorded", ["reference": r.grouped]))
                case .showStatus, nil:
                    turn = engine.begin(at: engine.flow.keywords["status"]!, language: language, slots: ["reference": r.grouped], context: context)
                }
            case .some(let name):
                guard let state = engine.flow.keywords[name] else { return reply(text("sms.help")) }
                turn = engine.begin(at: state, language: language, slots: [:], context: context)
            case nil:
                // A bare digit answers the newest survey sent to this number in the last week, if unanswered.
                let digit = sms.text.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
                if digit.count == 1, let rating = Int(digit), (0...5).contains(rating),
                   let survey = try reads.openSurvey(of: sms.from, since: now.addingTimeInterval(-SurveyJob.window)) {
                    write.surveyAnswer = SurveyAnswer(surveyID: survey.id, rating: rating, reporter: sms.from, triageMOE: engine.serviceLevels.triageMOE)
                    return reply(text(rating == 0 ? "sms.survey_reopened" : "sms.survey_thanks", ["reference": survey.reference.grouped]))
                }
                // Unknown text: help, but at most once a day per number, so there are no reply storms.
                if let last = subscriber?.lastHelpAt, now.timeIntervalSince(last) < settings.helpInterval { return .write(write) }
                write.helpSentAt = now
                return reply(text("sms.help"))
            }
        }

        turn = try engine.settle(turn, context: context) { query in
            switch query {
            case .ticket(let r): .ticket(try reads.publicTicket(r))
            case .recentTickets(let limit): .recentTickets(try reads.recentTickets(of: sms.from, limit: limit))
            case .incident(let service, let fault, let area): try IncidentReports.answer(service: service, fault: fault, area: area, reads)
            }
        }
        guard case .screen(var screen) = turn.outcome else { throw GatewayError.unansweredQuery }
        for effect in turn.effects {
            switch effect {
            case .setLanguage(let code): write.language = code
            case .createTicket(let draft):
                if limitReached {
                    turn.session.ended = true
                    screen = Screen(text: text("common.report_limit"), isFinal: true)
                    break
                }
                if try reads.referenceExists(draft.reference) { return .again }
                write.ticket = engine.newTicket(draft, at: now, confirm: false)  // the reply is the confirmation
                write.reportLimit = .today(sms.from, limit: settings.maxReportsPerDay, calendar: engine.settings.calendar, now: now)
            case .chaseTicket(let r):
                write.chase = try TrackOffers(engine: engine).chase(r, caller: sms.from, channel: "SMS", reads, now: now)
            case .rateTicket(let r, let rating):
                write.surveyAnswer = try TrackOffers(engine: engine).rating(r, rating, caller: sms.from, reads, now: now)
            case .attachIncident(let id):
                write.attachment = IncidentAttachment(incidentID: id, msisdn: sms.from, language: turn.session.language ?? language, channel: .sms)
            }
        }
        write.session = StoredSession(
            key: Self.sessionKey(sms.from), msisdn: sms.from, serviceCode: sms.to ?? "", session: turn.session,
            lastText: sms.text, lastReply: nil, resumable: false, version: (stored?.version ?? 0) + 1,
            createdAt: live?.createdAt ?? now, updatedAt: now)
        if stored != nil && live == nil { write.session!.createdAt = now }
        return reply(screen.text)
    }

    /// Closes any SMS conversation of this number (its next message starts afresh).
    private func endedConversation(_ msisdn: MSISDN, _ reads: any ConversationReads, _ now: Date) throws -> StoredSession? {
        guard var stored = try reads.session(key: Self.sessionKey(msisdn)), !stored.session.ended else { return nil }
        stored.session.ended = true
        stored.version += 1
        stored.updatedAt = now
        return stored
    }
}

