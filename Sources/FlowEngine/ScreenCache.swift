import Synchronization

/// Screens that depend only on where the caller is, not on what they typed: drawn once per
/// language and position, then reused (most hops show one of these). A screen whose prompt
/// shows an answer (`{address}`) is drawn every time.
final class ScreenCache: Sendable {
    struct Key: Hashable {
        var locale: String
        var state: StateID
        var invalid: Bool
        /// 0, 1 or 2+ screens behind this one: which navigation keys show.
        var depth: Int
        /// A list's page; elsewhere 0 or 1 (only whether "Back" returns to an earlier page).
        var page: Int
        /// The service whose fault types a list shows; "" for other lists and screens.
        var service: String
        /// The main menu's one-line privacy notice on a caller's first call.
        var privacy: Bool
    }

    /// States whose screen has no answers in it, in every language.
    let fixed: Set<StateID>
    private let screens = Mutex<[Key: Screen]>([:])

    init(fixed: Set<StateID>) { self.fixed = fixed }

    func screen(_ key: Key, draw: () -> Screen) -> Screen {
        if let drawn = screens.withLock({ $0[key] }) { return drawn }
        let drawn = draw()
        screens.withLock { $0[key] = drawn }
        return drawn
    }
}

extension FlowEngine {
    /// The states whose screens `ScreenCache` may keep.
    static func fixedScreens(_ flow: Flow, _ locales: Locales) -> Set<StateID> {
        Set(flow.states.values.compactMap { state -> StateID? in
            let prompt: TextKey
            switch state.kind {
            case .list(_, let source, _, _) where source.isDynamic: return nil
            case .menu(let p, _), .input(let p, _, _, _, _), .list(let p, _, _, _): prompt = p
            case .end(let p): prompt = p
            case .action: return nil
            }
            let plain = locales.ordered.allSatisfy { Template.names(in: $0.strings[prompt] ?? prompt).isEmpty }
            return plain ? state.id : nil
        })
    }

    /// Where a session's screen is kept, or nil when it must be drawn (answers in it, or a
    /// position no real session has).
    func screenKey(_ session: Session, invalid: Bool) -> ScreenCache.Key? {
        guard screens.fixed.contains(session.state), let state = flow.states[session.state], session.page >= 0 else { return nil }
        var page = min(session.page, 1)
        var service = ""
        if case .list(_, let source, _, _) = state.kind {
            let layout = pages(for: session, source: source, prompt: state)
            page = min(session.page, layout.count - 1)
            if source == .faults {
                service = session.slots["service"] ?? ""
                guard catalogue.service(service) != nil else { return nil }
            }
        }
        return ScreenCache.Key(locale: locales.locale(session.language).code, state: state.id, invalid: invalid,
                               depth: min(session.trail.count, 2), page: page, service: service,
                               privacy: session.state == flow.start && session.slots["privacy"] == "1")
    }
}
