import Domain
import Foundation

/// "Already reported: add me to it?": the open tickets a report likely repeats, as the
/// `find_duplicate` action found them, kept in the session's `duplicates` slot (one a line, its
/// fields split by U+001F) and offered as a list whose last item files the report anyway.
extension FlowEngine {
    /// The code of the list item that files the report as a new ticket.
    public static let differentFault = "new"

    /// The `duplicates` and `what` slots for these matches, in the caller's language, at `now`.
    /// The whole offer fits one screen, so "It is a different fault" is always on it: addresses
    /// are cut, then left out (the match is at the caller's own place anyway), then statuses, then
    /// the fault type gives way to the service, and only then is the second match dropped.
    func offerSlots(_ matches: [LikelyDuplicate], _ session: Session, shownAt target: StateID, now: Date) -> [String: String] {
        let loc = locales.locale(session.language)
        let first = matches.first?.ticket
        // What was reported: the fault type, or (when even that is too long) the service.
        let whats = [first.map { jobLabel(service: $0.service, fault: DuplicateRules.known($0.fault), area: nil, loc) } ?? "",
                     first.map { jobLabel(service: $0.service, fault: nil, area: nil, loc) } ?? ""]
        let shapes: [(place: Int, status: Bool)] = [(40, true), (28, true), (18, true), (0, true), (0, false)]
        // Each match's words once (the address scrubbed, the age, the status), cut to each shape below.
        let parts = matches.prefix(2).map { OfferParts($0.ticket, loc, now: now, engine: self) }
        guard let state = flow.states[target], case .list(_, let source, _, _) = state.kind else {
            return ["what": whats[0], "duplicates": offerLines(parts, shape: shapes[0])]
        }
        for count in stride(from: parts.count, through: 1, by: -1) {
            for what in whats {
                for shape in shapes {
                    var probe = session
                    probe.state = target
                    probe.slots["what"] = what
                    probe.slots["duplicates"] = offerLines(Array(parts.prefix(count)), shape: shape)
                    if layoutPages(for: probe, source: source, prompt: state).count == 1 {
                        return ["what": what, "duplicates": probe.slots["duplicates"] ?? ""]
                    }
                }
            }
        }
        return ["what": whats[1], "duplicates": offerLines(Array(parts.prefix(1)), shape: shapes.last!)]
    }

    /// A match's words on the offer, each on one line and free of the slot's field separator.
    struct OfferParts {
        var digits, grouped, add, place, ago, status: String

        init(_ ticket: DuplicateCandidate, _ loc: LocaleStrings, now: Date, engine: FlowEngine) {
            digits = ticket.reference.digits
            grouped = ticket.reference.grouped
            add = Self.oneLine(Template.fill(loc.strings["duplicate.add"] ?? "{reference}", ["reference": grouped]))
            place = Self.oneLine(PublicText.scrub(ticket.address))
            ago = Self.oneLine(engine.ago(ticket.createdAt, now: now, loc))
            status = Self.oneLine(loc.strings["status.\(ticket.status.rawValue)"] ?? ticket.status.rawValue)
        }

        /// Line breaks and the field separator as spaces (most text has neither: returned as it is).
        static func oneLine(_ text: String) -> String {
            guard text.utf8.contains(where: { $0 == 0x0A || $0 == 0x1F }) else { return text }
            return String(text.map { $0 == "\n" || $0 == FlowEngine.fieldSeparator ? " " : $0 })
        }

        /// "Add me to 393 753 400: 12 Vilakazi St, 2 h ago, In progress" as far as `shape` allows.
        func line(_ shape: (place: Int, status: Bool)) -> String {
            var place = place
            if place.count > shape.place { place = shape.place < 8 ? "" : String(place.prefix(shape.place - 3)) + "..." }
            let details = [place, ago, shape.status ? status : ""].filter { !$0.isEmpty }.joined(separator: ", ")
            return [digits, grouped, add + ": " + details].joined(separator: String(FlowEngine.fieldSeparator))
        }
    }

    /// One line per match: its reference's digits, then its grouped reference, then its label.
    func offerLines(_ parts: [OfferParts], shape: (place: Int, status: Bool)) -> String {
        parts.map { $0.line(shape) }.joined(separator: "\n")
    }

    /// "2 h ago": minutes within the hour, hours within two days, then days.
    func ago(_ then: Date, now: Date, _ loc: LocaleStrings) -> String {
        let seconds = max(0, now.timeIntervalSince(then))
        let (key, n) = seconds < 3600 ? ("duplicate.minutes", max(1, Int(seconds / 60)))
            : seconds < 2 * 86400 ? ("duplicate.hours", Int(seconds / 3600)) : ("duplicate.days", Int(seconds / 86400))
        return Template.fill(loc.strings[key] ?? "{n}", ["n": String(n)])
    }

    /// The offer's items: one "Add me to …" per match (code its reference's digits), then "It is a different fault".
    func duplicateItems(_ session: Session) -> [Item] {
        let loc = locales.locale(session.language)
        let matches: [Item] = (session.slots["duplicates"] ?? "").split(separator: "\n").compactMap { line in
            let f = line.split(separator: Self.fieldSeparator, omittingEmptySubsequences: false).map(String.init)
            guard f.count == 3 else { return nil }
            return Item(code: f[0], label: f[2], extra: ["join_reference": f[1]])
        }
        return matches + [Item(code: Self.differentFault, label: loc.strings["duplicate.different"] ?? Self.differentFault)]
    }

    /// Whether `state` offers to join a ticket already reported: a report waits on the answer.
    public func isOffer(_ state: StateID) -> Bool {
        if case .list(_, .duplicates, _, _)? = flow.states[state]?.kind { true } else { false }
    }

    /// The offer in `session` answered "It is a different fault": the report goes on to be filed
    /// (an SMS offer left unanswered, or overtaken by another keyword, so nothing is lost).
    public func declineOffer(_ session: Session, context: TurnContext) -> Turn {
        var run = Run(session: session, effects: [])
        guard !session.ended, let state = flow.states[session.state], case .list(_, .duplicates, let slot, let next) = state.kind else {
            return enter(flow.start, &run, context)
        }
        run.session.slots[slot] = Self.differentFault
        run.session.trail.append(run.session.state)
        return enter(next, &run, context)
    }

    /// The `join_ticket` action: the match chosen in the `join` slot, or nothing (a different fault).
    func joinEffect(_ slots: [String: String]) -> Effect? {
        guard let code = slots["join"], code != Self.differentFault, let reference = try? Reference(parsing: code) else { return nil }
        return .joinTicket(reference)
    }
}
