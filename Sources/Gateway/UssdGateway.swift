import Domain
import FlowEngine
import Foundation
import Logging

/// One USSD hop, end to end: read the session, take the newest input, step the engine, answer its
/// queries, then write the session and the effects in one transaction and reply. The reply with a
/// reference leaves only after the transaction that stored the ticket has committed. A class: each
/// hop's closures hold one reference to it rather than a copy of every field.
public final class UssdGateway: Sendable {
    public let engine: FlowEngine
    let store: any ConversationStore
    let clock: any WallClock
    let references: @Sendable () -> Reference
    let settings: Settings
    let logger: Logger

    public struct Settings: Sendable {
        /// How long after a dropped report a redial offers to continue it.
        public var resumeWindow: TimeInterval = 300
        /// Reports one number may make by USSD and SMS per municipal day (`CIVICGATE_MAX_REPORTS_PER_NUMBER`).
        public var maxReportsPerDay = 10
        /// A number erased or purged keeps its STOP and language under its pseudonym.
        public var pseudonyms: Pseudonyms?
        public init(resumeWindow: TimeInterval = 300, maxReportsPerDay: Int = 10, pseudonyms: Pseudonyms? = nil) {
            self.resumeWindow = resumeWindow
            self.maxReportsPerDay = maxReportsPerDay
            self.pseudonyms = pseudonyms
        }
    }

    public init(engine: FlowEngine, store: any ConversationStore, clock: any WallClock, references: @escaping @Sendable () -> Reference,
                settings: Settings = .init(), logger: Logger = Logger(label: "civicgate.ussd")) {
        self.engine = engine
        self.store = store
        self.clock = clock
        self.references = references
        self.settings = settings
        self.logger = logger
    }

    /// What reading the session decided: answer at once, or write and then answer.
    enum Plan: HopDecision {
        case reply(UssdReply)
        case write(HopWrite, UssdReply)

        var writes: Bool {
            if case .write = self { true } else { false }
        }
    }

    /// Always answers: an internal failure becomes a polite `END`, never an error to the aggregator.
    public func handle(_ event: UssdEvent) async -> UssdReply {
        if event.isClose {
            // Nothing to show; the session as saved after the last hop is what a redial resumes.
            return UssdReply(text: "", isFinal: true)
        }
        do {
            var limitReached = false
            for _ in 0..<8 {
                let now = clock.now()
                let caller = CallerReads(sessionKey: event.sessionKey, msisdn: event.msisdn, unfinishedSince: now.addingTimeInterval(-settings.resumeWindow),
                                         pseudonym: { [settings] in settings.pseudonyms?.of(event.msisdn.e164) })
                let plan = try await store.read(expecting: caller) { [limitReached] reads in
                    try self.plan(event, reads, now: now, limitReached: limitReached)
                }
                let write: HopWrite, reply: UssdReply
                switch plan {
                case .reply(let answer): return answer
                case .write(let w, let answer): (write, reply) = (w, answer)
                }
                switch try await store.write(write) {
                case .committed:
                    if let ticket = write.ticket {
                        logger.info("ticket created", metadata: [
                            "ticket": "\(ticket.draft.reference.digits)", "queue": "\(ticket.destination.queue)", "session": "\(event.sessionKey)",
                        ])
                    }
                    return reply
                case .sessionChanged, .referenceTaken:
                    continue  // read again: a duplicate request gets the reply its original stored
                case .reportLimitReached:
                    limitReached = true  // plan again: the caller is told why, and nothing else changes
                }
            }
            throw GatewayError.contention
        } catch {
            logger.error("USSD hop failed", metadata: ["session": "\(event.sessionKey)", "msisdn": "\(event.msisdn.masked)", "error": "\(error)"])
            return UssdReply(text: apology("common.error", language: nil), isFinal: true)
        }
    }

    public func apology(_ key: String, language: String?) -> String {
        GSM7.transliterate(engine.locales.locale(language).strings[key] ?? "Sorry, please dial again.")
    }

    private func plan(_ event: UssdEvent, _ reads: any ConversationReads, now: Date, limitReached: Bool) throws -> Plan {
        let key = event.sessionKey
        let stored = try reads.session(key: key)
        let context = TurnContext(now: now, caller: event.msisdn, channel: .ussd, references: references)
        let text: String?
        switch event.input {
        case .history(let t): text = t
        case .latest(let t): text = t
        }

        var turn: Turn
        var retire: String?
        var kept: Subscriber?
        if let stored {
            // A retry of the request we last answered gets the same answer and changes nothing.
            if case .history = event.input, let last = stored.lastReply, stored.lastText == text { return .reply(last) }
            // A second "new session" for a session we already answered (latest-input style).
            if case .latest(nil) = event.input, let last = stored.lastReply { return .reply(last) }
            if stored.session.ended {
                return .reply(stored.lastReply ?? UssdReply(text: apology("common.expired", language: stored.session.language), isFinal: true))
            }
            turn = engine.step(stored.session, input: newestInput(event.input, after: stored.lastText), context: context)
        } else {
            var language = try reads.language(of: event.msisdn)
            if language == nil, let pseudonym = settings.pseudonyms?.of(event.msisdn.e164), let subscriber = try reads.subscriber(key: pseudonym) {
                // An erased or purged number calls again: its language and STOP hold, kept in clear again from now.
                kept = subscriber
                language = subscriber.language
            }
            switch event.input {
            case .history(let t) where !t.isEmpty, .latest(.some(let t)) where !t.isEmpty:
                // An unknown session arriving with an answer: we cannot know what was asked.
                return .reply(UssdReply(text: apology("common.expired", language: language), isFinal: true))
            default:
                break
            }
            // A crew member's work number opens on "My jobs", in the crew's language unless it chose its own.
            let crew = engine.flow.crewStart != nil ? try reads.crew(of: event.msisdn) : nil
            if let crew { language = language ?? crew.language }
            let unfinished = try reads.unfinishedSession(of: event.msisdn, since: now.addingTimeInterval(-settings.resumeWindow), excluding: key)
            retire = unfinished?.key
            turn = engine.begin(language: language, unfinished: unfinished?.session, serviceCode: event.serviceCode, crew: crew != nil, context: context)
        }

        turn = try engine.settle(turn, context: context) { query in
            switch query {
            case .ticket(let r): try TrackOffers(engine: engine).answer(r, caller: event.msisdn, reads, now: now)
            case .recentTickets(let limit): .recentTickets(try reads.recentTickets(of: event.msisdn, limit: limit))
            case .incident(let service, let fault, let area): try IncidentReports.answer(service: service, fault: fault, area: area, at: now, reads)
            case .crewJobs(let limit): try CrewField.jobs(of: event.msisdn, limit: limit, reads)
            case .duplicates(let report): try DuplicateOffers.answer(report, by: event.msisdn, rules: engine.duplicateRules, reads, now: now)
            }
        }
        guard case .screen(var screen) = turn.outcome else { throw GatewayError.unansweredQuery }

        var write = HopWrite(session: StoredSession(
            key: key, msisdn: event.msisdn, serviceCode: event.serviceCode, session: turn.session,
            lastText: text, lastReply: nil, resumable: engine.isResumable(turn.session),
            version: (stored?.version ?? 0) + 1, createdAt: stored?.createdAt ?? now, updatedAt: now), at: now, retire: retire)
        if let kept { (write.language, write.optOut) = (kept.language, kept.optedOut ? true : nil) }
        for effect in turn.effects {
            switch effect {
            case .setLanguage(let code):
                write.language = code
            case .createTicket where limitReached, .joinTicket where limitReached:
                // No ticket and no join: the caller is told why, and a retry gets the same answer.
                let reply = UssdReply(text: apology("common.report_limit", language: turn.session.language), isFinal: true)
                write.session?.session.ended = true
                write.session?.resumable = false
                write.session?.lastReply = reply
                logger.notice("daily report limit reached", metadata: ["msisdn": "\(event.msisdn.masked)", "session": "\(event.sessionKey)"])
                return .write(write, reply)
            case .joinTicket(let reference):
                let language = turn.session.language ?? engine.locales.fallback
                write.join = TicketJoin(reference: reference, msisdn: event.msisdn, language: language, channel: .ussd)
                write.messages.append(OutboundSMS(to: event.msisdn, body: engine.joinedNotice(reference, language: language)))
                write.reportLimit = .today(event.msisdn, limit: settings.maxReportsPerDay, calendar: engine.settings.calendar, now: now)
            case .createTicket(let draft):
                // A drawn reference already taken (one in a hundred million): the write is refused
                // (`.referenceTaken`) and the hop replayed with a new draw.
                write.ticket = engine.newTicket(draft, at: now, confirm: true)
                // The daily cap is counted by the store, in the transaction that would add this ticket.
                write.reportLimit = .today(event.msisdn, limit: settings.maxReportsPerDay, calendar: engine.settings.calendar, now: now)
            case .chaseTicket(let r):
                write.chase = try TrackOffers(engine: engine).chase(r, caller: event.msisdn, channel: "USSD", reads, now: now)
            case .rateTicket(let r, let rating):
                write.surveyAnswer = try TrackOffers(engine: engine).rating(r, rating, caller: event.msisdn, reads, now: now)
            case .attachIncident(let id):
                write.attachment = IncidentAttachment(incidentID: id, msisdn: event.msisdn, language: turn.session.language ?? engine.locales.fallback,
                                                      channel: .ussd)
            case .subscribeAlerts(let area):
                let language = turn.session.language ?? engine.locales.fallback
                write.alerts = AreaAlerts.subscription(area, caller: event.msisdn, language: language, have: try reads.alertAreas(of: event.msisdn))
                if write.alerts == nil {
                    screen = Screen(text: GSM7.transliterate(engine.locales.locale(language).strings["alerts.full"] ?? ""), isFinal: true)
                }
            case .fieldReport(let reference, let report):
                // Decided on what was read; refused (another crew's job by now, closed, already on site): said instead, nothing written.
                let (field, refusal) = try CrewField.ussd(report, on: reference, caller: event.msisdn, language: turn.session.language, reads, engine: engine)
                write.field = field
                if let refusal { screen = Screen(text: GSM7.transliterate(refusal), isFinal: true) }
            }
        }
        let reply = UssdReply(text: screen.text, isFinal: screen.isFinal)
        write.session?.lastReply = reply
        return .write(write, reply)
    }

    /// The answer just typed. With Africa's Talking's `*`-joined history, it is whatever follows
    /// the history we already hold, so a `*` typed inside free text stays part of that text.
    func newestInput(_ input: UssdEvent.Input, after last: String?) -> String {
        switch input {
        case .latest(let t): return t ?? ""
        case .history(let text):
            guard let last, !last.isEmpty else { return text }
            if text.hasPrefix(last + "*") { return String(text.dropFirst(last.count + 1)) }
            // The history does not extend ours (should not happen): the last component is the best guess.
            return text.split(separator: "*", omittingEmptySubsequences: false).last.map(String.init) ?? text
        }
    }
}

public enum GatewayError: Error {
    case unansweredQuery
    /// The session kept changing under the hop (more than a few concurrent duplicates).
    case contention
}

extension UssdGateway {
    /// Deletes sessions untouched for `retention` seconds; returns how many.
    public func sweepSessions(retention: TimeInterval) async throws -> Int {
        try await store.sweepSessions(updatedBefore: clock.now().addingTimeInterval(-retention))
    }
}
