import Domain
import FlowEngine
import Foundation
import Logging

/// One USSD hop, end to end: find the session, take the newest input, step the engine, answer
/// its queries, apply its effects and save, all in one transaction, then reply. The reply with a
/// reference leaves only after the transaction that stored the ticket has committed.
public struct UssdGateway: Sendable {
    public let engine: FlowEngine
    let store: any UssdStore
    let clock: any WallClock
    let references: @Sendable () -> Reference
    let settings: Settings
    let logger: Logger

    public struct Settings: Sendable {
        /// How long after a dropped report a redial offers to continue it.
        public var resumeWindow: TimeInterval = 300
        public init(resumeWindow: TimeInterval = 300) { self.resumeWindow = resumeWindow }
    }

    public init(engine: FlowEngine, store: any UssdStore, clock: any WallClock, references: @escaping @Sendable () -> Reference,
                settings: Settings = .init(), logger: Logger = Logger(label: "civicgate.ussd")) {
        self.engine = engine
        self.store = store
        self.clock = clock
        self.references = references
        self.settings = settings
        self.logger = logger
    }

    /// Always answers: an internal failure becomes a polite `END`, never an error to the aggregator.
    public func handle(_ event: UssdEvent) async -> UssdReply {
        do {
            let now = clock.now()
            let reference = references()
            return try await store.hop { tx in try self.hop(event, tx, now: now, reference: reference) }
        } catch {
            logger.error("USSD hop failed", metadata: ["session": "\(event.sessionKey)", "msisdn": "\(event.msisdn.masked)", "error": "\(error)"])
            return UssdReply(text: apology("common.error", language: nil), isFinal: true)
        }
    }

    public func apology(_ key: String, language: String?) -> String {
        GSM7.transliterate(engine.locales.locale(language).strings[key] ?? "Sorry, please dial again.")
    }

    private func hop(_ event: UssdEvent, _ tx: any UssdTransaction, now: Date, reference: Reference) throws -> UssdReply {
        let stored = try tx.session(key: event.sessionKey)
        var context = TurnContext(now: now, caller: event.msisdn, channel: .ussd, freshReference: reference)
        let text: String?
        switch event.input {
        case .history(let t): text = t
        case .latest(let t): text = t
        }

        if event.isClose {
            // Nothing to show; the session as saved after the last hop is what a redial resumes.
            return UssdReply(text: "", isFinal: true)
        }

        var turn: Turn
        if let stored {
            // A retry of the request we last answered gets the same answer and changes nothing.
            if case .history = event.input, let last = stored.lastReply, stored.lastText == text { return last }
            if stored.session.ended {
                return stored.lastReply ?? UssdReply(text: apology("common.expired", language: stored.session.language), isFinal: true)
            }
            let input = newestInput(event.input, after: stored.lastText)
            turn = engine.step(stored.session, input: input, context: context)
        } else {
            if case .history(let t) = event.input, !t.isEmpty {
                // An unknown session arriving with history: we cannot know what was answered.
                let language = try tx.language(of: event.msisdn)
                return UssdReply(text: apology("common.expired", language: language), isFinal: true)
            }
            let language = try tx.language(of: event.msisdn)
            let unfinished = try tx.unfinishedSession(of: event.msisdn, since: now.addingTimeInterval(-settings.resumeWindow), excluding: event.sessionKey)
            if let unfinished { try tx.retire(sessionKey: unfinished.key) }
            turn = engine.begin(language: language, unfinished: unfinished?.session, context: context)
        }

        func answer(_ turn: Turn) throws -> Turn {
            var turn = turn
            while case .query(let query) = turn.outcome {
                let result: QueryAnswer
                switch query {
                case .ticket(let r): result = .ticket(try tx.publicTicket(r))
                case .recentTickets(let limit): result = .recentTickets(try tx.recentTickets(of: event.msisdn, limit: limit))
                }
                var resumed = engine.resume(turn.session, answer: result, context: context)
                resumed.effects = turn.effects + resumed.effects
                turn = resumed
            }
            return turn
        }
        turn = try answer(turn)

        // A drawn reference that is already taken: draw again and replay the same (pure) step.
        var attempts = 0
        while let draft = turn.effects.createdTicket, try tx.referenceExists(draft.reference), attempts < 20 {
            attempts += 1
            context.freshReference = references()
            if let stored {
                turn = try answer(engine.step(stored.session, input: newestInput(event.input, after: stored.lastText), context: context))
            }
        }

        for effect in turn.effects {
            switch effect {
            case .setLanguage(let code):
                try tx.setLanguage(code, for: event.msisdn, at: now)
            case .createTicket(let draft):
                let destination = engine.catalogue.routing.route(service: draft.service, area: draft.area)
                try tx.create(NewTicket(draft: draft, destination: destination, createdAt: now, confirmation: confirmation(for: draft)))
                logger.info("ticket created", metadata: ["ticket": "\(draft.reference.digits)", "queue": "\(destination.queue)", "session": "\(event.sessionKey)"])
            }
        }

        guard case .screen(let screen) = turn.outcome else { throw GatewayError.unansweredQuery }
        let reply = UssdReply(text: screen.text, isFinal: screen.isFinal)
        try tx.save(StoredSession(
            key: event.sessionKey, msisdn: event.msisdn, serviceCode: event.serviceCode, session: turn.session,
            lastText: text, lastReply: reply, resumable: engine.isResumable(turn.session),
            createdAt: stored?.createdAt ?? now, updatedAt: now))
        return reply
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

    /// The reporter's SMS, in their language.
    func confirmation(for draft: TicketDraft) -> String? {
        guard draft.reporter != nil else { return nil }
        let loc = engine.locales.locale(draft.language)
        guard let template = loc.strings["sms.ticket_created"] else { return nil }
        return Template.fill(template, [
            "reference": draft.reference.grouped,
            "service": loc.strings["service.\(draft.service)"] ?? draft.service,
            "fault": loc.strings["fault.\(draft.service).\(draft.fault)"] ?? draft.fault,
        ])
    }
}

public enum GatewayError: Error {
    case unansweredQuery
}

extension [Effect] {
    var createdTicket: TicketDraft? {
        for case .createTicket(let draft) in self { return draft }
        return nil
    }
}

extension UssdGateway {
    /// Deletes sessions untouched for `retention` seconds; returns how many.
    public func sweepSessions(retention: TimeInterval) async throws -> Int {
        try await store.sweepSessions(updatedBefore: clock.now().addingTimeInterval(-retention))
    }
}
