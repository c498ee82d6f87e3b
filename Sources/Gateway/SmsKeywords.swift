import FlowEngine

/// SMS keywords and service words in every language, from the locale strings `keyword.<name>`
/// and `synonyms.service.<code>`. Case-insensitive; punctuation around a word is ignored.
struct SmsKeywords: Sendable {
    struct Match: Sendable, Equatable {
        var name: String
        /// What followed the keyword, spaces collapsed.
        var argument: String
        /// The language the word belongs to, when only one language uses it.
        var language: String?
    }

    /// WORD -> (keyword name, languages that use the word).
    private let words: [String: (name: String, languages: [String])]
    private let services: [String: String]
    private let languageNames: [String: String]

    init(_ engine: FlowEngine) {
        var words: [String: (name: String, languages: [String])] = [:]
        var services: [String: String] = [:]
        var languageNames: [String: String] = [:]
        let names = engine.flow.keywords.keys.sorted() + engine.flow.commands
        for locale in engine.locales.ordered {
            languageNames[Self.fold(locale.code)] = locale.code
            languageNames[Self.fold(locale.name)] = locale.code
            for name in names {
                for word in Self.list(locale.strings["keyword.\(name)"]) {
                    words[word, default: (name, [])].languages.append(locale.code)
                }
            }
            for service in engine.catalogue.services {
                for word in Self.list(locale.strings["synonyms.service.\(service.code)"]) + Self.list(locale.strings["service.\(service.code)"]) {
                    services[word] = service.code
                }
            }
        }
        self.words = words
        self.services = services
        self.languageNames = languageNames
    }

    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { fold(String($0)) }.filter { !$0.isEmpty }
    }

    /// Upper case, without the punctuation residents put around words ("Report:", "#STOP", "status.").
    static func fold(_ word: String) -> String {
        word.trimmingCharacters(in: .whitespaces).uppercased().trimmingCharacters(in: .punctuationCharacters.union(.symbols))
    }

    /// The first word and the rest, spaces collapsed.
    static func split(_ text: String) -> (String, String) {
        let parts = text.split(whereSeparator: { $0.isWhitespace })
        guard let first = parts.first else { return ("", "") }
        return (fold(String(first)), parts.dropFirst().joined(separator: " "))
    }

    func match(_ text: String) -> Match? {
        let (first, rest) = Self.split(text)
        guard let entry = words[first] else { return nil }
        return Match(name: entry.name, argument: rest, language: entry.languages.count == 1 ? entry.languages[0] : nil)
    }

    /// The service named by the first word of `text`, and what follows it.
    func service(in text: String) -> (String, String)? {
        let (first, rest) = Self.split(text)
        return services[first].map { ($0, rest) }
    }

    /// A language by code or by its own name: `zu`, `ZU`, `isiZulu`.
    func language(named text: String) -> String? {
        languageNames[Self.fold(text)]
    }
}

/// The keyword matcher, for tests and tools that check the locales.
public struct SmsKeywordsProbe: Sendable {
    let keywords: SmsKeywords
    public init(_ engine: FlowEngine) { keywords = SmsKeywords(engine) }
    public func keyword(_ text: String) -> String? { keywords.match(text)?.name }
    public func service(_ text: String) -> String? { keywords.service(in: text)?.0 }
}
