import FlowEngine
import Yams

/// Reads a flow (`menus/ussd.yaml`) into FlowEngine types, remembering where each state and text
/// key is written so later checks can name the line.
struct FlowFile {
    var flow: Flow?
    /// Line of each state's name.
    var stateMarks: [StateID: Mark] = [:]
    var keywordMarks: [String: Mark] = [:]
    var entryMarks: [String: Mark] = [:]
    /// Every text key a state uses, with the state and line.
    var textUses: [(key: TextKey, state: StateID, mark: Mark?)] = []

    init(_ file: YAMLFile) {
        guard let root = file.root else { return }
        guard root.mapping != nil else {
            file.report(root, "", "must be a mapping with 'flow', 'start', 'language_choice', 'resume_offer' and 'states'")
            return
        }
        let name = file.string(root, "flow", "flow") ?? ""
        let start = file.string(root, "start", "flow") ?? ""
        let language = file.string(root, "language_choice", "flow") ?? ""
        let resume = file.string(root, "resume_offer", "flow") ?? ""
        var states: [StateID: FlowState] = [:]
        for (id, key, node) in file.pairs(root["states"], "states") {
            stateMarks[id] = key.mark
            if let state = readState(id, node, file) { states[id] = state }
        }
        if root["states"] == nil { file.report(root, "flow", "missing 'states'") }
        var keywords: [String: StateID] = [:]
        for (keyword, key, node) in file.pairs(root["keywords"], "keywords") {
            guard let target = node.string else {
                file.report(node, "keyword '\(keyword)'", "must name the state it starts at")
                continue
            }
            keywordMarks[keyword] = key.mark
            keywords[keyword] = target
        }
        let commands = file.sequence(root["commands"], "commands").compactMap(\.string)
        var entries: [String: Flow.Entry] = [:]
        for (code, key, node) in file.pairs(root["service_codes"], "service_codes") {
            let place = "service code '\(code)'"
            entryMarks[code] = key.mark
            if let state = node.string {
                entries[code] = Flow.Entry(state: state)
            } else if let state = file.string(node, "start", place) {
                var slots: [String: String] = [:]
                for (slot, _, value) in file.pairs(node["answers"], place) { slots[slot] = value.string ?? "" }
                entries[code] = Flow.Entry(state: state, slots: slots)
            }
        }
        flow = Flow(name: name, start: start, languageChoice: language, resumeOffer: resume, states: states,
                    keywords: keywords, commands: commands, entries: entries,
                    crewStart: file.string(root, "crew_start", "flow", required: false))
    }

    private mutating func readState(_ id: StateID, _ node: Node, _ file: YAMLFile) -> FlowState? {
        let place = "state '\(id)'"
        guard node.mapping != nil else {
            file.report(node, place, "must be a mapping")
            return nil
        }
        let kinds = ["options", "list", "input", "action", "end"].filter { node[$0] != nil }
        guard kinds.count == 1 else {
            file.report(node, place, kinds.isEmpty
                ? "needs one of 'options', 'list', 'input', 'action' or 'end'"
                : "has more than one of \(kinds.joined(separator: ", "))")
            return nil
        }
        let resumable = node["resumable"]?.bool ?? false
        func use(_ key: String?) -> String? {
            if let key { textUses.append((key, id, node.mark)) }
            return key
        }
        let kind: FlowState.Kind
        switch kinds[0] {
        case "options":
            guard let prompt = use(file.string(node, "prompt", place)) else { return nil }
            var options: [MenuOption] = []
            var seen: Set<String> = []
            for (i, option) in file.sequence(node["options"], place).enumerated() {
                let where_ = "\(place), option \(i + 1)"
                guard let key = option["key"]?.string ?? option["key"]?.int.map(String.init),
                      let label = use(file.string(option, "label", where_)),
                      let next = file.string(option, "next", where_) else {
                    if option["key"] == nil { file.report(option, where_, "missing 'key'") }
                    continue
                }
                if !seen.insert(key).inserted {
                    file.report(option, where_, "duplicate option key '\(key)'")
                }
                if key == "0" || key == "00" || key == "98" {
                    file.report(option, where_, "key '\(key)' is reserved for navigation")
                }
                options.append(MenuOption(key: key, label: label, next: next))
            }
            if options.isEmpty { file.report(node, place, "has no options") }
            kind = .menu(prompt: prompt, options: options)
        case "list":
            guard let sourceName = file.string(node, "list", place),
                  let prompt = use(file.string(node, "prompt", place)),
                  let slot = file.string(node, "slot", place),
                  let next = file.string(node, "next", place) else { return nil }
            guard let source = ListSource(rawValue: sourceName) else {
                file.report(node["list"], place, "unknown list '\(sourceName)' (known: \(ListSource.allCases.map(\.rawValue).joined(separator: ", ")))")
                return nil
            }
            kind = .list(prompt: prompt, source: source, slot: slot, next: next)
        case "input":
            guard let type = file.string(node, "input", place),
                  let prompt = use(file.string(node, "prompt", place)),
                  let hint = use(file.string(node, "hint", place)),
                  let slot = file.string(node, "slot", place),
                  let next = file.string(node, "next", place) else { return nil }
            let rule: InputRule
            switch type {
            case "text":
                let minLength = file.int(node, "min_length", place, default: 1)
                let maxLength = file.int(node, "max_length", place, default: 80)
                if minLength < 1 || maxLength < minLength { file.report(node, place, "needs 1 <= min_length <= max_length") }
                rule = .text(minLength: minLength, maxLength: maxLength)
            case "reference": rule = .reference
            case "rating": rule = .rating
            default:
                file.report(node["input"], place, "unknown input '\(type)' (known: text, reference, rating)")
                return nil
            }
            kind = .input(prompt: prompt, rule: rule, hint: hint, slot: slot, next: next)
        case "action":
            guard let name = file.string(node, "action", place), let next = file.string(node, "next", place) else { return nil }
            guard let action = FlowAction(rawValue: name) else {
                file.report(node["action"], place, "unknown action '\(name)' (known: \(FlowAction.allCases.map(\.rawValue).joined(separator: ", ")))")
                return nil
            }
            kind = .action(action, next: next, otherwise: file.string(node, "otherwise", place, required: false))
        default:
            guard let text = use(file.string(node, "end", place)) else { return nil }
            kind = .end(text: text)
        }
        var offers: [TrackOffer: StateID] = [:]
        if let when = node["when"] {
            guard case .action(.lookupTicket, _, _) = kind, let mapping = when.mapping else {
                file.report(when, place, "'when' belongs to a lookup_ticket action, as a mapping of offer to state")
                return nil
            }
            for (key, value) in mapping {
                guard let name = key.string, let offer = TrackOffer(rawValue: name), let target = value.string else {
                    file.report(key, place, "unknown offer '\(key.string ?? "")' in 'when' (known: \(TrackOffer.allCases.map(\.rawValue).joined(separator: ", ")))")
                    continue
                }
                offers[offer] = target
            }
        }
        return FlowState(id: id, kind: kind, resumable: resumable, offers: offers)
    }
}
