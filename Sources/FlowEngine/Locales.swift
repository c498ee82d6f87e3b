/// One language's strings, keyed by `TextKey`.
public struct LocaleStrings: Sendable, Equatable {
    public var code: String
    /// The language's own name for itself, shown on the language screen.
    public var name: String
    public var strings: [TextKey: String]

    public init(code: String, name: String, strings: [TextKey: String]) {
        self.code = code
        self.name = name
        self.strings = strings
    }
}

/// Every shipped language, in the order the language screen lists them.
public struct Locales: Sendable, Equatable {
    public var ordered: [LocaleStrings]
    public var fallback: String

    public init(ordered: [LocaleStrings], fallback: String) {
        self.ordered = ordered
        self.fallback = fallback
    }

    public var codes: [String] { ordered.map(\.code) }

    public func locale(_ code: String?) -> LocaleStrings {
        if let code, let l = ordered.first(where: { $0.code == code }) { return l }
        return ordered.first { $0.code == fallback } ?? ordered[0]
    }
}

/// Fills `{name}` placeholders. Unknown names are left as they are, so a check can see them.
public enum Template {
    public static func fill(_ template: String, _ values: [String: String]) -> String {
        // Braces are ASCII, so their UTF-8 positions are valid string indices: no grapheme breaking.
        let utf8 = template.utf8
        guard var open = utf8.firstIndex(of: UInt8(ascii: "{")) else { return template }
        var out = ""
        out.reserveCapacity(utf8.count + 32)
        var start = utf8.startIndex
        while true {
            out += template[start..<open]
            guard let close = utf8[open...].firstIndex(of: UInt8(ascii: "}")) else { start = open; break }
            let name = String(template[utf8.index(after: open)..<close])
            if let v = values[name] { out += v } else { out += template[open...close] }
            start = utf8.index(after: close)
            guard let next = utf8[start...].firstIndex(of: UInt8(ascii: "{")) else { break }
            open = next
        }
        out += template[start...]
        return out
    }

    /// The placeholder names a template uses.
    public static func names(in template: String) -> [String] {
        var names: [String] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
