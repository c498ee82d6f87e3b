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
    /// The keywords answered in code, by name; any other begins its flow state.
    let handlers: [String: any SmsKeywordHandler]

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
        self.handlers = SmsKeywordHandlers.standard
    }

    enum Plan: Sendable {
        case nothing
        case write(HopWrite)
        case again
        /// A report waiting on "already reported" is filed first; then the message is planned again.
        case fileWaiting(HopWrite)
    }

    public func handle(_ sms: InboundSMS) async {
        do {
            var limitReached = false, waitingLimitReached = false
            for _ in 0..<8 {
                let now = clock.now()
                let reference = references()
                let plan = try await store.read { [limitReached, waitingLimitReached] reads in
                    try self.plan(sms, reads, now: now, reference: reference, limitReached: limitReached, waitingLimitReached: waitingLimitReached)
                }
                switch plan {
                case .nothing: return
                case .again: continue
                case .fileWaiting(let write):
                    if try await store.write(write) == .reportLimitReached { waitingLimitReached = true }
                    continue
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

    private func plan(_ sms: InboundSMS, _ reads: any ConversationReads, now: Date, reference: Reference, limitReached: Bool,
                      waitingLimitReached: Bool) throws -> Plan {
        if let id = sms.providerID, try reads.inboundSeen(provider: sms.provider, id: id) { return .nothing }
        var turn = try SmsTurn(sms, reads, now: now, reference: reference, limitReached: limitReached, keywords: keywords, engine: engine,
                               pseudonyms: settings.pseudonyms)
        let handler = turn.command.map { handlers[$0.name] ?? SmsKeywordHandlers.FlowKeyword() } ?? SmsKeywordHandlers.BareText()
        if handler.answersOptedOut { return try settle(handler.answer(&turn, settings: settings), &turn, stored: nil, live: nil) }
        // Opted out: nothing goes back until START, but the message is still recorded.
        if turn.subscriber?.optedOut == true { return .write(turn.write) }

        let stored = try reads.session(key: Self.sessionKey(sms.from))
        let live = stored.flatMap { s in !s.session.ended && now.timeIntervalSince(s.updatedAt) < settings.conversationTimeout ? s : nil }
        let inInput = live.map { engine.flow.states[$0.session.state].map { if case .input = $0.kind { true } else { false } } ?? false } ?? false
        let answersConversation = live != nil && (turn.command == nil || inInput) && turn.command?.name != "help"
        // A report waiting on "already reported" that this message does not answer is filed first: nothing is lost.
        if let stored, !answersConversation, engine.isOffer(stored.session.state), !stored.session.ended {
            return try fileWaiting(stored, reads, now: now, reference: reference, limitReached: waitingLimitReached).map(Plan.fileWaiting) ?? .again
        }
        // A conversation in progress takes the text as its answer, unless it is a keyword where no input is awaited, or HELP.
        if let live, answersConversation {
            return try settle(.flow(engine.step(live.session, input: sms.text, context: turn.context)), &turn, stored: stored, live: live)
        }
        return try settle(handler.answer(&turn, settings: settings), &turn, stored: stored, live: live)
    }

    /// A flow turn answered and applied: its queries answered from `reads`, its effects into the
    /// write, its screen the reply, the conversation stored.
    private func settle(_ answer: SmsAnswer, _ turn: inout SmsTurn, stored: StoredSession?, live: StoredSession?) throws -> Plan {
        var flow: Turn
        switch answer {
        case .plan(let plan): return plan
        case .flow(let begun): flow = begun
        }
        let sms = turn.sms, reads = turn.reads, now = turn.now
        flow = try engine.settle(flow, context: turn.context) { query in
            switch query {
            case .ticket(let r): .ticket(try reads.publicTicket(r))
            case .recentTickets(let limit): .recentTickets(try reads.recentTickets(of: sms.from, limit: limit))
            case .incident(let service, let fault, let area): try IncidentReports.answer(service: service, fault: fault, area: area, at: now, reads)
            case .crewJobs(let limit): try CrewField.jobs(of: sms.from, limit: limit, reads)
            case .duplicates(let report): try DuplicateOffers.answer(report, by: sms.from, rules: engine.duplicateRules, reads, now: now)
            }
        }
        guard case .screen(var screen) = flow.outcome else { throw GatewayError.unansweredQuery }
        for effect in flow.effects {
            switch effect {
            case .setLanguage(let code): turn.write.language = code
            case .createTicket where turn.limitReached, .joinTicket where turn.limitReached:
                flow.session.ended = true
                screen = Screen(text: turn.text("common.report_limit"), isFinal: true)
            case .joinTicket(let r):
                turn.write.join = TicketJoin(reference: r, msisdn: sms.from, language: flow.session.language ?? turn.language, channel: .sms)
                turn.write.reportLimit = .today(sms.from, limit: settings.maxReportsPerDay, calendar: engine.settings.calendar, now: now)
            case .createTicket(let draft):
                if try reads.referenceExists(draft.reference) { return .again }
                turn.write.ticket = engine.newTicket(draft, at: now, confirm: false)  // the reply is the confirmation
                turn.write.reportLimit = .today(sms.from, limit: settings.maxReportsPerDay, calendar: engine.settings.calendar, now: now)
            case .chaseTicket(let r):
                turn.write.chase = try TrackOffers(engine: engine).chase(r, caller: sms.from, channel: "SMS", reads, now: now)
            case .rateTicket(let r, let rating):
                turn.write.surveyAnswer = try TrackOffers(engine: engine).rating(r, rating, caller: sms.from, reads, now: now)
            case .attachIncident(let id):
                turn.write.attachment = IncidentAttachment(incidentID: id, msisdn: sms.from, language: flow.session.language ?? turn.language, channel: .sms)
            case .subscribeAlerts(let area):
                turn.write.alerts = AreaAlerts.subscription(area, caller: sms.from, language: flow.session.language ?? turn.language,
                                                            have: try reads.alertAreas(of: sms.from))
            case .fieldReport:
                break  // by SMS a crew answers with ONSITE, DONE and CANT (`SmsKeywordHandlers.crew`)
            }
        }
        turn.write.session = StoredSession(
            key: Self.sessionKey(sms.from), msisdn: sms.from, serviceCode: sms.to ?? "", session: flow.session,
            lastText: sms.text, lastReply: nil, resumable: engine.isOffer(flow.session.state) && !flow.session.ended, version: (stored?.version ?? 0) + 1,
            createdAt: live?.createdAt ?? now, updatedAt: now)
        if stored != nil && live == nil { turn.write.session!.createdAt = now }
        return turn.reply(screen.text)
    }
}


extension SmsGateway {
    /// The write that files the report waiting in `stored` on "already reported" as a new ticket
    /// and tells its reporter the reference (the daily cap still holds: then they are told that).
    /// nil: the drawn reference is taken; draw again.
    func fileWaiting(_ stored: StoredSession, _ reads: any ConversationReads, now: Date, reference: Reference, limitReached: Bool) throws -> HopWrite? {
        let context = TurnContext(now: now, caller: stored.msisdn, channel: .sms, freshReference: reference)
        let turn = engine.declineOffer(stored.session, context: context)
        guard case .screen(var screen) = turn.outcome else { throw GatewayError.unansweredQuery }
        var session = stored
        (session.session, session.version, session.updatedAt) = (turn.session, stored.version + 1, now)
        session.session.ended = true
        session.resumable = false
        var write = HopWrite(session: session, at: now)
        let language = stored.session.language ?? engine.locales.fallback
        for case .createTicket(let draft) in turn.effects {
            if limitReached {
                screen.text = engine.locales.locale(language).strings["common.report_limit"] ?? screen.text
                continue
            }
            if try reads.referenceExists(draft.reference) { return nil }
            write.ticket = engine.newTicket(draft, at: now, confirm: false)  // the message below is the confirmation
            write.reportLimit = .today(stored.msisdn, limit: settings.maxReportsPerDay, calendar: engine.settings.calendar, now: now)
        }
        write.messages.append(OutboundSMS(to: stored.msisdn, body: SMSMeasure.cheapest(screen.text)))
        return write
    }

    /// Files every SMS report whose offer went unanswered until its conversation timed out (run
    /// every minute, before old conversations are swept): as if the sender had answered "It is a
    /// different fault", so nothing is lost. Returns how many were filed.
    public func fileUnansweredOffers() async throws -> Int {
        let now = clock.now()
        let idle = try await store.idleConversations(prefix: "sms:", updatedBefore: now.addingTimeInterval(-settings.conversationTimeout), limit: 500)
        var filed = 0
        for waiting in idle where engine.isOffer(waiting.session.state) && !waiting.session.ended {
            var limitReached = false
            for _ in 0..<4 {
                let reference = references()
                let planned = try await store.read { [limitReached] reads -> (write: HopWrite?, gone: Bool) in
                    // Read again: an answer may have come since the list was read.
                    guard let stored = try reads.session(key: waiting.key), stored.version == waiting.version else { return (nil, true) }
                    return (try self.fileWaiting(stored, reads, now: now, reference: reference, limitReached: limitReached), false)
                }
                if planned.gone { break }
                guard let write = planned.write else { continue }  // the drawn reference is taken
                let outcome = try await store.write(write)
                if outcome == .committed { filed += write.ticket == nil ? 0 : 1; break }
                if outcome == .reportLimitReached { limitReached = true }
            }
        }
        return filed
    }
}
