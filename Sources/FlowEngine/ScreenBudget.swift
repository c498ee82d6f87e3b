import Domain
import Foundation

/// One screen as the budget check sees it: a state, in a language, with the longest real data.
public struct ScreenSample: Sendable, Equatable {
    public var state: StateID
    public var locale: String
    /// "page 2", "invalid input", "service water", ...
    public var variant: String
    public var text: String
    public var cost: Int

}

extension FlowEngine {
    /// Every screen of every state in every locale, filled with the longest real data: the
    /// longest labels of the catalogue, inputs at their maximum length, a full ticket.
    public func sampleScreens() -> [ScreenSample] {
        var samples: [ScreenSample] = []
        for locale in locales.ordered {
            let worst = worstSlots(locale)
            for id in flow.states.keys.sorted() {
                guard let state = flow.states[id] else { continue }
                if case .action = state.kind { continue }
                for (variant, slots) in worst {
                    var session = Session(language: locale.code, state: id, slots: slots)
                    if id != flow.start { session.trail = [flow.start, flow.start] }
                    samples += screens(of: state, session, variant: variant)
                }
            }
        }
        return samples
    }

    private func screens(of state: FlowState, _ session: Session, variant: String) -> [ScreenSample] {
        func sample(_ s: Session, _ v: String, invalid: Bool) -> ScreenSample {
            let text = render(s, invalid: invalid).text
            return ScreenSample(state: state.id, locale: s.language ?? "", variant: v, text: text, cost: settings.medium.cost(text))
        }
        switch state.kind {
        case .action: return []
        case .end: return [sample(session, variant, invalid: false)]
        case .menu, .input: return [sample(session, variant, invalid: false), sample(session, variant + ", invalid input", invalid: true)]
        case .list(_, let source, _, _):
            var out: [ScreenSample] = []
            for (i, _) in pages(for: session, source: source, prompt: state).enumerated() {
                var s = session
                s.page = i
                out.append(sample(s, variant + ", page \(i + 1)", invalid: false))
                out.append(sample(s, variant + ", page \(i + 1), invalid input", invalid: true))
            }
            return out
        }
    }

    /// One set of slot values per service (fault lists and labels depend on it), each with the
    /// longest area, inputs at full length and the longest ticket details.
    private func worstSlots(_ locale: LocaleStrings) -> [(String, [String: String])] {
        let s = locale.strings
        let longest = { (xs: [String]) in xs.max { $0.count < $1.count } ?? "" }
        var base: [String: String] = [:]
        for state in flow.states.values {
            if case .input(_, let rule, _, let slot, _) = state.kind {
                switch rule {
                case .text(_, let maxLength): base[slot] = String(repeating: "x", count: maxLength)
                case .reference: base[slot] = "999 999 999"
                case .rating: base[slot] = "5"
                }
            }
        }
        base["area"] = catalogue.areas.max { $0.name.count < $1.name.count }?.code
        base["language"] = locales.ordered.max { $0.name.count < $1.name.count }?.code
        base["reference"] = "999 999 999"
        base["privacy"] = "1"  // the main menu as a first caller sees it, with the privacy line
        base["status"] = longest(TicketStatus.allCases.map { s["status.\($0.rawValue)"] ?? "" })
        base["moe"] = longest(catalogue.moes.map { s["moe.\($0.code)"] ?? "" })
        base["update"] = String(repeating: "x", count: settings.updateDisplayLimit)
        base["expected"] = "2026-12-31"
        base["restore"] = longest(["2026-12-31 23:59", s["incident.no_time"] ?? ""])
        // A crew's jobs: its longest name, the longest fault and area, an address at its longest.
        base["crew"] = String(repeating: "x", count: 60)
        base["due"] = longest(["2026-12-31 23:59", s["track.no_date"] ?? ""])
        base["address"] = base["address"] ?? String(repeating: "x", count: 70)
        return catalogue.services.map { service in
            var slots = base
            slots["service"] = service.code
            slots["fault"] = service.faults.max {
                (s["fault.\(service.code).\($0.code)"] ?? "").count < (s["fault.\(service.code).\($1.code)"] ?? "").count
            }?.code
            var line = slots
            line["service"] = s["service.\(service.code)"] ?? ""
            let ticketLine = Template.fill(s["recent.line"] ?? "", line)
            slots["tickets"] = Array(repeating: ticketLine, count: settings.recentLimit).joined(separator: "\n")
            var generator = SystemRandomNumberGenerator()  // every reference is 9 digits: which one does not change the length
            let job = CrewJob(reference: Reference.random(using: &generator), service: service.code, fault: slots["fault"], area: slots["area"] ?? "",
                              address: String(repeating: "x", count: 70), status: .assigned, dueAt: nil, createdAt: Date(timeIntervalSince1970: 0))
            // Enough of the longest job for a first, a middle and a last page (more would only repeat them).
            slots["jobs"] = jobLines(Array(repeating: job, count: min(4, settings.crewJobsLimit)), locale)
            slots["job_label"] = jobItems(Session(language: locale.code, slots: slots)).first?.label
            // "Already reported": two matches with the longest fault, status and address, a day old, as deep as the offer is.
            if let offer = flow.states.values.first(where: { isOffer($0.id) })?.id {
                let status = TicketStatus.allCases.max { (s["status.\($0.rawValue)"] ?? "").count < (s["status.\($1.rawValue)"] ?? "").count } ?? .new
                let match = LikelyDuplicate(ticket: DuplicateCandidate(reference: Reference.random(using: &generator), service: service.code, fault: slots["fault"],
                                                                      area: slots["area"] ?? "", address: String(repeating: "x", count: 70), location: nil,
                                                                      createdAt: Date(timeIntervalSince1970: 0), status: status), reason: .samePlace)
                let probe = Session(language: locale.code, state: offer, slots: slots, trail: [flow.start, flow.start])
                slots.merge(offerSlots([match, match], probe, shownAt: offer, now: Date(timeIntervalSince1970: 47 * 3600))) { $1 }
            }
            return ("service \(service.code)", slots)
        }
    }
}
