import Domain

/// Turning a session into the text of its screen, within the screen budget.
extension FlowEngine {
    struct Item: Equatable {
        var code: String
        var label: String
        /// Slots a choice also fills (a job's address and due time).
        var extra: [String: String] = [:]
    }

    struct ListKey: Hashable {
        var locale: String
        var source: ListSource
        var service: String
    }

    struct PageKey: Hashable {
        var list: ListKey
        var state: StateID
        /// 0, 1 or 2+: screens behind this one, which decide the navigation line.
        var depth: Int
    }

    func listKey(_ source: ListSource, _ session: Session) -> ListKey {
        ListKey(locale: locales.locale(session.language).code, source: source,
                service: source == .faults ? session.slots["service"] ?? "" : "")
    }

    /// The items of a data list, in the caller's language.
    func items(_ source: ListSource, _ session: Session) -> [Item] {
        source.isDynamic ? makeItems(source, session) : itemCache[listKey(source, session)] ?? makeItems(source, session)
    }

    mutating func buildListCaches() {
        for locale in locales.ordered {
            for state in flow.states.values {
                guard case .list(let prompt, let source, _, _) = state.kind, !source.isDynamic else { continue }
                let services = source == .faults ? catalogue.services.map(\.code) : [""]
                for service in services {
                    var session = Session(language: locale.code, state: state.id, slots: source == .faults ? ["service": service] : [:])
                    let key = listKey(source, session)
                    itemCache[key] = makeItems(source, session)
                    // A prompt with placeholders depends on the answers: its layout is not cached.
                    guard Template.names(in: locale.strings[prompt] ?? "").isEmpty else { continue }
                    for depth in 0...2 {
                        session.trail = Array(repeating: flow.start, count: depth)
                        pageCache[PageKey(list: key, state: state.id, depth: depth)] = layoutPages(for: session, source: source, prompt: state)
                    }
                }
            }
        }
    }

    func makeItems(_ source: ListSource, _ session: Session) -> [Item] {
        let loc = locales.locale(session.language)
        switch source {
        case .languages:
            return locales.ordered.map { Item(code: $0.code, label: $0.name) }
        case .services:
            return catalogue.services.map { Item(code: $0.code, label: loc.strings["service.\($0.code)"] ?? $0.code) }
        case .faults:
            guard let service = session.slots["service"].flatMap(catalogue.service) else { return [] }
            return service.faults.map {
                Item(code: $0.code, label: loc.strings["fault.\(service.code).\($0.code)"] ?? $0.code)
            }
        case .areas:
            return catalogue.areas.map { Item(code: $0.code, label: $0.name) }
        case .jobs:
            return jobItems(session)
        case .reasons:
            return reasonItems(loc)
        case .duplicates:
            return duplicateItems(session)
        }
    }

    /// Slot values as a caller reads them: labels for list choices, text as typed.
    func displayValues(_ session: Session) -> [String: String] {
        var values = session.slots
        for (slot, source) in slotSources where !source.isDynamic {
            guard let code = session.slots[slot] else { continue }
            if let item = items(source, session).first(where: { $0.code == code }) { values[slot] = item.label }
        }
        return values
    }

    func text(_ key: TextKey, _ session: Session) -> String {
        locales.locale(session.language).strings[key] ?? key
    }

    func cost(_ s: String) -> Int { settings.medium.cost(s) }

    /// The screen for `session.state`. `invalid` re-asks with the state's hint.
    public func render(_ session: Session, invalid: Bool) -> Screen {
        guard let key = screenKey(session, invalid: invalid) else { return draw(session, invalid: invalid) }
        return screens.screen(key) { draw(session, invalid: invalid) }
    }

    func draw(_ session: Session, invalid: Bool) -> Screen {
        guard let state = flow.states[session.state] else { return Screen(text: text("common.error", session), isFinal: true) }
        let values = displayValues(session)
        let medium = settings.medium
        let finish = { (body: String, isFinal: Bool) in Screen(text: medium.finish(body), isFinal: isFinal) }
        switch state.kind {
        case .end(let key):
            return finish(fitted(key, values, session, lines: []), true)
        case .menu(let prompt, let options):
            // A caller's first call: the main menu says, in one line, what is kept and how to learn more.
            let notice = !invalid && session.state == flow.start && session.slots["privacy"] == "1" ? [text("main.privacy", session)] : []
            let lines = notice + options.map { "\($0.key) \(text($0.label, session))" } + nav(session, more: false)
            let hint = invalid ? text("common.invalid_choice", session) : nil
            return finish(fitted(prompt, values, session, lines: lines, hint: hint), false)
        case .input(let prompt, _, let hintKey, _, _):
            let hint = invalid ? text(hintKey, session) : nil
            return finish(fitted(prompt, values, session, lines: nav(session, more: false), hint: hint), false)
        case .list(_, let source, _, _):
            let layout = pages(for: session, source: source, prompt: state)
            let pageIndex = min(session.page, layout.count - 1)
            let page = layout[pageIndex]
            let all = items(source, session)
            let header = invalid ? text("common.invalid_choice", session) : listPrompt(state, values, session)
            var lines = [header]
            for (i, item) in all[page].enumerated() { lines.append("\(i + 1) \(item.label)") }
            var s = session
            s.page = pageIndex
            lines += nav(s, more: pageIndex + 1 < layout.count)
            return finish(lines.joined(separator: "\n"), false)
        case .action:
            return Screen(text: text("common.error", session), isFinal: true)
        }
    }

    /// "98 More 0 Back 00 Home", as far as each applies.
    func nav(_ session: Session, more: Bool) -> [String] {
        var parts: [String] = []
        if more { parts.append(text("nav.more", session)) }
        if session.page > 0 || !session.trail.isEmpty { parts.append(text("nav.back", session)) }
        if session.trail.count >= 2 { parts.append(text("nav.home", session)) }
        return parts.isEmpty ? [] : [parts.joined(separator: " ")]
    }

    func listPrompt(_ state: FlowState, _ values: [String: String], _ session: Session) -> String {
        guard case .list(let prompt, _, _, _) = state.kind else { return "" }
        return Template.fill(text(prompt, session), values)
    }

    /// The pages of a list state for this session (see `layoutPages`).
    func pages(for session: Session, source: ListSource, prompt state: FlowState) -> [Range<Int>] {
        if source.isDynamic { return layoutPages(for: session, source: source, prompt: state) }
        let key = PageKey(list: listKey(source, session), state: state.id, depth: min(session.trail.count, 2))
        return pageCache[key] ?? layoutPages(for: session, source: source, prompt: state)
    }

    /// Splits a list into pages that each fit the budget with their prompt, hint and navigation.
    /// Nothing is ever cut: an item that cannot share a screen gets a page of its own.
    func layoutPages(for session: Session, source: ListSource, prompt state: FlowState) -> [Range<Int>] {
        let all = items(source, session)
        guard !all.isEmpty else { return [0..<0] }
        // Measured as the page is sent, with its prompt or the re-ask in its place: by SMS a page
        // spelled plainly may be one SMS where its prompt alone would need UCS-2.
        let headers = [listPrompt(state, displayValues(session), session), text("common.invalid_choice", session)]
        let headerCost = headers.map(cost).max() ?? 0
        var result: [Range<Int>] = []
        var start = 0
        while start < all.count {
            var probe = session
            probe.page = result.count
            var best = start + 1
            var end = start
            var lines: [String] = []
            var used = headerCost
            while end < all.count {
                let line = "\(end - start + 1) \(all[end].label)"
                lines.append(line)
                used += 1 + cost(line)
                end += 1
                let navLine = nav(probe, more: end < all.count)
                if settings.medium == .ussd {
                    // On a USSD screen characters simply add up: no need to measure the page whole.
                    if used + (navLine.first.map { 1 + cost($0) } ?? 0) <= settings.screenBudget { best = end }
                    if used > settings.screenBudget { break }
                    continue
                }
                if headers.allSatisfy({ cost(([$0] + lines + navLine).joined(separator: "\n")) <= settings.screenBudget }) { best = end }
                // One more item may still fit on the last page, whose navigation has no "98 More".
                if headers.contains(where: { cost(([$0] + lines).joined(separator: "\n")) > settings.screenBudget }) { break }
            }
            result.append(start..<best)
            start = best
        }
        return result
    }

    /// Prompt (with an optional hint above it) and lines. If the screen is too long, free-text
    /// values are shortened with "..." rather than the screen being cut; if the hint does not fit
    /// beside the prompt it replaces it.
    func fitted(_ prompt: TextKey, _ values: [String: String], _ session: Session, lines: [String], hint: String? = nil) -> String {
        var values = values
        func compose(_ withPrompt: Bool) -> String {
            var parts: [String] = []
            if let hint { parts.append(hint) }
            if withPrompt || hint == nil { parts.append(Template.fill(text(prompt, session), values)) }
            return (parts + lines).joined(separator: "\n")
        }
        var body = compose(true)
        if cost(body) <= settings.screenBudget { return body }
        if hint != nil {
            let alone = compose(false)
            if cost(alone) <= settings.screenBudget { return alone }
        }
        for key in ["address", "update", "description"] {
            while cost(body) > settings.screenBudget, let v = values[key], v.count > 12 {
                values[key] = String(v.prefix(v.count - 8)) + "..."
                body = compose(true)
            }
        }
        return body
    }
}
