import FlowDefinitions
import FlowEngine
import TestSupport
import Testing

@Suite struct TranslationTests {
    /// Words that are the same in the other language by nature, not left-over English.
    static let sameByNature: Set<String> = [
        "af:service.water",
    ]
    /// Written in several languages at once on purpose.
    static let multilingual: Set<String> = ["language.prompt"]

    /// Every string of every other language is translated: none is left identical to English
    /// (templates made only of placeholders and punctuation excepted).
    @Test func noEnglishLeftInOtherLanguages() throws {
        let locales = try shippedDefinitions().locales
        let english = locales.locale("en").strings
        for locale in locales.ordered where locale.code != "en" {
            #expect(Set(locale.strings.keys) == Set(english.keys), "\(locale.code) has different keys from en")
            for (key, text) in english {
                guard let other = locale.strings[key], !Self.sameByNature.contains("\(locale.code):\(key)"), !Self.multilingual.contains(key) else { continue }
                let words = Template.fill(text, [:]).replacingOccurrences(of: "\\{[a-z]+\\}", with: "", options: .regularExpression)
                guard words.contains(where: \.isLetter) else { continue }
                #expect(other != text, "\(locale.code): '\(key)' is still English: \(text)")
            }
        }
    }
}
