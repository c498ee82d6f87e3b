import Domain
import Foundation

/// The pure state machine behind every USSD screen: `(session, input, context) -> Turn`.
/// It does no I/O. When it needs data it returns a `Query`; the host answers with `resume`.
public struct FlowEngine: Sendable {
    public let flow: Flow
    public let catalogue: ServiceCatalogue
    public let locales: Locales
    public let settings: Settings
    /// The catalogue's promises on the municipality's calendar.
    public let serviceLevels: ServiceLevels
    /// When a report is the same fault as an open ticket (the catalogue's `duplicates`).
    public let duplicateRules: DuplicateRules

    public struct Settings: Sendable, Equatable {
        /// What the text travels over, which decides how it is measured and spelled.
        public var medium = Medium.ussd
        /// A USSD screen is 160 octets of packed 7-bit text: 182 GSM-7 characters.
        public var screenBudget = 182
        public var recentLimit = 3
        /// A crew's "My jobs" list shows its oldest open jobs, up to this many (paged).
        public var crewJobsLimit = 20
        /// A public update is cut to this many characters on a USSD screen.
        public var updateDisplayLimit = 60
        /// Stops a flow that loops through action states without ever showing a screen.
        public var maxStepsPerTurn = 16
        /// The municipality's days: expected dates are shown as its local day.
        public var calendar = MunicipalCalendar()
        public init() {}

        /// Settings for SMS conversations: a "screen" is one SMS of 160 GSM-7 characters.
        public static var sms: Settings {
            var s = Settings()
            s.medium = .sms
            s.screenBudget = 160
            return s
        }
    }

    public enum Medium: Sendable, Equatable {
        /// GSM-7 only: text outside it is transliterated; UCS-2 costs 182/80 per character.
        case ussd
        /// GSM-7 where possible, UCS-2 when the language needs it (70 characters an SMS).
        case sms

        public func finish(_ text: String) -> String {
            self == .ussd ? GSM7.transliterate(text) : SMSMeasure.cheapest(text)
        }

        public func cost(_ text: String) -> Int {
            switch self {
            case .ussd: GSM7.screenCost(GSM7.transliterate(text))
            case .sms:
                // Measured as it will be sent (see `SMSMeasure.cheapest`).
                GSM7.septets(SMSMeasure.cheapest(text)) ?? (text.utf16.count * 160 + 69) / 70
            }
        }
    }

    /// Which list fills which slot, so `{service}` shows "Water", not "water".
    let slotSources: [String: ListSource]
    /// List items and page layouts, worked out once: they depend only on the language, the list,
    /// the service (for fault types) and how deep the caller is (which navigation keys show).
    var itemCache: [ListKey: [Item]] = [:]
    var pageCache: [PageKey: [Range<Int>]] = [:]
    /// Whole screens that show no answers (see `ScreenCache`).
    let screens: ScreenCache

    public init(flow: Flow, catalogue: ServiceCatalogue, locales: Locales, settings: Settings = Settings()) {
        self.flow = flow
        self.catalogue = catalogue
        self.locales = locales
        self.settings = settings
        self.serviceLevels = catalogue.serviceLevels(timeZone: settings.calendar.timeZone)
        self.duplicateRules = catalogue.duplicateRules
        var sources: [String: ListSource] = [:]
        for state in flow.states.values {
            if case .list(_, let source, let slot, _) = state.kind { sources[slot] = source }
        }
        self.slotSources = sources
        self.screens = ScreenCache(fixed: Self.fixedScreens(flow, locales))
        buildListCaches()
    }

    // MARK: Turns

    /// A new call. A caller with no language chooses one first; one with an unfinished report is
    /// offered to continue it.
    /// A code with an entry (a water-only shortcode) opens there, with "0 Back" to the main menu.
    /// A crew member (`crew`) starts at "My jobs" when the flow has it, in their language.
    public func begin(language: String?, unfinished: Session?, serviceCode: String = "", crew: Bool = false, context: TurnContext) -> Turn {
        var run = Run(session: Session(language: language), effects: [])
        if language == nil || !locales.codes.contains(language!) {
            return enter(flow.languageChoice, &run, context)
        }
        if crew, let start = flow.crewStart { return enter(start, &run, context) }
        if let unfinished, let snapshot = resumableSnapshot(of: unfinished) {
            run.session.suspended = snapshot
            return enter(flow.resumeOffer, &run, context)
        }
        if let entry = flow.entries[serviceCode] {
            run.session.slots = entry.slots
            run.session.trail = entry.state == flow.start ? [] : [flow.start]
            return enter(entry.state, &run, context)
        }
        return enter(flow.start, &run, context)
    }

    /// Starts at `state` with answers already known: an SMS keyword (`STATUS 482 109 375`).
    public func begin(at state: StateID, language: String?, slots: [String: String], context: TurnContext) -> Turn {
        var run = Run(session: Session(language: language, slots: slots), effects: [])
        return enter(state, &run, context)
    }

    /// The caller answered the screen for `session.state`.
    public func step(_ session: Session, input raw: String, context: TurnContext) -> Turn {
        var run = Run(session: session, effects: [])
        guard !session.ended, let state = flow.states[session.state] else {
            return enter(flow.start, &run, context)
        }
        let input = Self.trimmed(raw)
        if input == "00", canGoHome(session) {
            run.session.trail = []
            return enter(flow.start, &run, context)
        }
        if input == "0", let back = goBack(session) {
            run.session = back
            return .init(session: back, outcome: .screen(render(back, invalid: false)), effects: [])
        }
        switch state.kind {
        case .menu(_, let options):
            guard let option = options.first(where: { $0.key == input }) else { return reask(run) }
            return advance(to: option.next, &run, context)
        case .list(_, let source, let slot, let next):
            let layout = pages(for: session, source: source, prompt: state)
            if input == "98", session.page + 1 < layout.count {
                run.session.page += 1
                return .init(session: run.session, outcome: .screen(render(run.session, invalid: false)), effects: [])
            }
            let page = layout[min(session.page, layout.count - 1)]
            guard let n = Int(input), n >= 1, n <= page.count else { return reask(run) }
            let item = items(source, session)[page.lowerBound + n - 1]
            run.session.slots[slot] = item.code
            run.session.slots.merge(item.extra) { $1 }
            return advance(to: next, &run, context)
        case .input(_, let rule, _, let slot, let next):
            guard let value = validate(input, rule) else { return reask(run) }
            run.session.slots[slot] = value
            return advance(to: next, &run, context)
        case .action, .end:
            return enter(flow.start, &run, context)
        }
    }

    /// The host's answer to the `Query` the last turn asked.
    public func resume(_ session: Session, answer: QueryAnswer, context: TurnContext) -> Turn {
        var run = Run(session: session, effects: [])
        guard let state = flow.states[session.state], case .action(_, let next, let otherwise) = state.kind else {
            return enter(flow.start, &run, context)
        }
        let loc = locales.locale(session.language)
        let found: Bool
        switch answer {
        case .ticket(let ticket, let offer):
            if let ticket { run.session.slots.merge(ticketSlots(ticket, loc)) { $1 } }
            if ticket != nil, let offer, let target = state.offers[offer] { return enter(target, &run, context) }
            found = ticket != nil
        case .recentTickets(let tickets):
            let lines = tickets.map { Template.fill(loc.strings["recent.line"] ?? "", ticketSlots($0, loc)) }
            run.session.slots["tickets"] = lines.joined(separator: "\n")
            found = !tickets.isEmpty
        case .incident(let incident):
            if let incident {
                run.session.slots["incident"] = String(incident.id)
                run.session.slots["restore"] = incident.expectedAt.map(settings.calendar.moment) ?? loc.strings["incident.no_time"] ?? ""
            }
            found = incident != nil
        case .crewJobs(let jobs, let crew):
            run.session.slots["crew"] = crew
            run.session.slots["jobs"] = jobLines(jobs, loc)
            found = !jobs.isEmpty
        case .duplicates(let matches):
            if !matches.isEmpty { run.session.slots.merge(offerSlots(matches, run.session, shownAt: next, now: context.now)) { $1 } }
            found = !matches.isEmpty
        }
        return enter(found ? next : (otherwise ?? next), &run, context)
    }

    /// Answers the turn's queries with `answer` until it reaches a screen; effects accumulate.
    public func settle(_ turn: Turn, context: TurnContext, answer: (Query) throws -> QueryAnswer) rethrows -> Turn {
        var turn = turn
        while case .query(let query) = turn.outcome {
            var resumed = resume(turn.session, answer: try answer(query), context: context)
            resumed.effects = turn.effects + resumed.effects
            turn = resumed
        }
        return turn
    }

    /// Whether a session dropped now leaves a report worth offering back.
    public func isResumable(_ session: Session) -> Bool {
        resumableSnapshot(of: session) != nil
    }

    // MARK: Moving between states

    struct Run {
        var session: Session
        var effects: [Effect]
        var steps = 0
    }

    private func advance(to next: StateID, _ run: inout Run, _ context: TurnContext) -> Turn {
        run.session.trail.append(run.session.state)
        return enter(next, &run, context)
    }

    /// Enters `id`: runs action states until one needs data or a screen is reached.
    func enter(_ id: StateID, _ run: inout Run, _ context: TurnContext) -> Turn {
        run.steps += 1
        guard run.steps <= settings.maxStepsPerTurn, let state = flow.states[id] else {
            return fail(&run)
        }
        run.session.state = id
        run.session.page = 0
        if id == flow.start { run.session.trail = [] }
        switch state.kind {
        case .action(let action, let next, let otherwise):
            switch perform(action, &run, context) {
            case .done: return enter(next, &run, context)
            case .otherwise: return enter(otherwise ?? next, &run, context)
            case .restored: return .init(session: run.session, outcome: .screen(render(run.session, invalid: false)), effects: run.effects)
            case .needs(let query): return .init(session: run.session, outcome: .query(query), effects: run.effects)
            case .failed: return fail(&run)
            }
        case .end:
            run.session.ended = true
            run.session.trail = []
            return .init(session: run.session, outcome: .screen(render(run.session, invalid: false)), effects: run.effects)
        case .menu, .list, .input:
            return .init(session: run.session, outcome: .screen(render(run.session, invalid: false)), effects: run.effects)
        }
    }

    private func reask(_ run: Run) -> Turn {
        .init(session: run.session, outcome: .screen(render(run.session, invalid: true)), effects: [])
    }

    private func fail(_ run: inout Run) -> Turn {
        run.session.ended = true
        let text = locales.locale(run.session.language).strings["common.error"] ?? "Sorry, something went wrong. Please try again later."
        return .init(session: run.session, outcome: .screen(Screen(text: settings.medium.finish(text), isFinal: true)), effects: run.effects)
    }

    private func canGoHome(_ session: Session) -> Bool {
        session.language != nil && session.state != flow.start
    }

    private func goBack(_ session: Session) -> Session? {
        var s = session
        if s.page > 0 {
            s.page -= 1
            return s
        }
        guard let previous = s.trail.popLast() else { return nil }
        s.state = previous
        s.page = 0
        return s
    }

    private func resumableSnapshot(of session: Session) -> Session.Snapshot? {
        if session.state == flow.resumeOffer, let inner = session.suspended { return inner }
        guard !session.ended, flow.states[session.state]?.resumable == true else { return nil }
        return session.snapshot
    }

    // MARK: Actions

    enum ActionResult { case done, otherwise, restored, needs(Query), failed }

    private func perform(_ action: FlowAction, _ run: inout Run, _ context: TurnContext) -> ActionResult {
        let slots = run.session.slots
        switch action {
        case .setLanguage:
            guard let code = slots["language"], locales.codes.contains(code) else { return .failed }
            if run.session.language == nil { run.session.slots["privacy"] = "1" }  // a first contact
            run.session.language = code
            run.effects.append(.setLanguage(code))
            return .done
        case .createTicket:
            guard let service = slots["service"], let fault = slots["fault"], let area = slots["area"],
                  let address = slots["address"] else { return .failed }
            let reference = context.references()
            let draft = TicketDraft(
                reference: reference, service: service, fault: fault, area: area,
                address: address, description: slots["description"] ?? "", channel: context.channel, reporter: context.caller,
                language: run.session.language ?? locales.fallback)
            run.effects.append(.createTicket(draft))
            run.session.slots["reference"] = reference.grouped
            return .done
        case .lookupTicket:
            guard let text = slots["reference"], let reference = try? Reference(parsing: text) else { return .failed }
            return .needs(.ticket(reference))
        case .recentTickets:
            return .needs(.recentTickets(limit: settings.recentLimit))
        case .chaseTicket:
            guard let text = slots["reference"], let reference = try? Reference(parsing: text) else { return .failed }
            run.effects.append(.chaseTicket(reference))
            return .done
        case .rateTicket:
            guard let text = slots["reference"], let reference = try? Reference(parsing: text),
                  let rating = slots["rating"].flatMap({ Int($0) }), (0...5).contains(rating) else { return .failed }
            run.effects.append(.rateTicket(reference, rating: rating))
            return rating == 0 ? .otherwise : .done
        case .findIncident:
            guard let service = slots["service"], let area = slots["area"] else { return .failed }
            return .needs(.incident(service: service, fault: slots["fault"], area: area))
        case .attachIncident:
            guard let id = slots["incident"].flatMap({ Int64($0) }) else { return .failed }
            run.effects.append(.attachIncident(id))
            return .done
        case .subscribeAlerts:
            guard let area = slots["area"], catalogue.area(area) != nil else { return .failed }
            run.effects.append(.subscribeAlerts(area))
            return .done
        case .crewJobs:
            return .needs(.crewJobs(limit: settings.crewJobsLimit))
        case .findDuplicate:
            guard let service = slots["service"], let address = slots["address"] else { return .failed }
            return .needs(.duplicates(DuplicateCandidate(
                reference: .unfiled, service: service, fault: slots["fault"], area: slots["area"] ?? "unknown", address: address,
                location: nil, createdAt: context.now, status: .new)))
        case .joinTicket:
            guard let effect = joinEffect(slots) else { return .otherwise }
            run.effects.append(effect)
            return .done
        case .fieldOnSite, .fieldDone, .fieldCannotFix:
            guard let effect = fieldReport(action, slots) else { return .failed }
            run.effects.append(effect)
            return .done
        case .resumeReport:
            guard let snapshot = run.session.suspended, flow.states[snapshot.state] != nil else { return .failed }
            run.session.state = snapshot.state
            run.session.page = snapshot.page
            run.session.slots = snapshot.slots
            run.session.trail = snapshot.trail
            run.session.suspended = nil
            return .restored
        }
    }

    func ticketSlots(_ t: PublicTicket, _ loc: LocaleStrings) -> [String: String] {
        // A linked ticket's news is its incident's, and so is its expected date until it has its own.
        // Anyone holding the reference reads it (Track, STATUS): what identifies a person is removed.
        var update = (t.incident?.description ?? t.lastPublicUpdate).map(PublicText.scrub) ?? loc.strings["track.no_update"] ?? ""
        if update.count > settings.updateDisplayLimit {
            update = String(update.prefix(settings.updateDisplayLimit - 3)) + "..."
        }
        let expected = t.expectedAt ?? t.incident.flatMap { $0.isOpen ? $0.expectedAt : nil }
        return [
            "reference": t.reference.grouped,
            "status": loc.strings["status.\(t.status.rawValue)"] ?? t.status.rawValue,
            "moe": loc.strings["moe.\(t.moe)"] ?? t.moe,
            "service": loc.strings["service.\(t.service)"] ?? t.service,
            "update": update,
            "expected": expected.map(settings.calendar.day) ?? loc.strings["track.no_date"] ?? "",
        ]
    }

    // MARK: Input

    func validate(_ input: String, _ rule: InputRule) -> String? {
        switch rule {
        case .text(let minLength, let maxLength):
            let collapsed = input.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            guard collapsed.count >= minLength, collapsed.count <= maxLength,
                  collapsed.contains(where: { $0.isLetter || $0.isNumber }) else { return nil }
            return collapsed
        case .reference:
            return (try? Reference(parsing: input))?.grouped
        case .rating:
            guard input.count == 1, let n = Int(input), (1...6).contains(n) else { return nil }
            return n == 6 ? "0" : input
        }
    }
}

extension FlowEngine {
    /// The input without surrounding spaces and line breaks (as `trimmingCharacters(in:
    /// .whitespacesAndNewlines)`, without Foundation's bridging on every hop).
    static func trimmed(_ raw: String) -> String {
        // Printable ASCII at both ends (almost every answer): nothing to trim, no walk over characters.
        if let head = raw.utf8.first, let tail = raw.utf8.last, (0x21...0x7E).contains(head), (0x21...0x7E).contains(tail) { return raw }
        guard let first = raw.firstIndex(where: { !$0.isWhitespace && !$0.isNewline }),
              let last = raw.lastIndex(where: { !$0.isWhitespace && !$0.isNewline }) else { return "" }
        return String(raw[first...last])
    }
}
