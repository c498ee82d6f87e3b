import Domain
import FlowDefinitions
import FlowEngine
import TestSupport
import Testing

@Suite struct ScreenBudgetTests {
    /// Every screen of every state, every page and every re-ask, in every locale, filled with the
    /// longest real data, is within 182 GSM-7 characters and encodable as GSM-7.
    @Test func everyShippedScreenFitsInEveryLanguage() throws {
        let engine = try shippedDefinitions().engine()
        let samples = engine.sampleScreens()
        #expect(samples.count > 100)
        for code in engine.locales.codes {
            #expect(samples.contains { $0.locale == code })
        }
        for sample in samples {
            #expect(sample.cost <= 182, "\(sample.locale) \(sample.state) \(sample.variant): \(sample.cost)\n\(sample.text)")
            #expect(GSM7.isEncodable(sample.text), "\(sample.locale) \(sample.state): not GSM-7: \(sample.text)")
        }
    }

    /// A long list is paged, never cut: every item appears on exactly one page, each page fits.
    @Test(arguments: [1, 9, 10, 25, 60, 150])
    func longListsArePagedNotCut(areaCount: Int) throws {
        let shipped = try shippedDefinitions()
        var catalogue = shipped.catalogue
        catalogue.areas = (1...areaCount).map { Area(code: "a\($0)", name: "Extension \($0) of a long suburb name \($0)") }
        let engine = FlowEngine(flow: shipped.flow, catalogue: catalogue, locales: shipped.locales)
        for code in engine.locales.codes {
            var session = Session(language: code, state: "report_area", slots: ["service": "water", "fault": "leak"], trail: ["main", "report_service"])
            var seen: [String] = []
            for _ in 0..<areaCount {
                let screen = engine.render(session, invalid: false)
                #expect(GSM7.screenCost(screen.text) <= 182, "\(code) page \(session.page + 1): \(screen.text)")
                seen += screen.text.split(separator: "\n").compactMap { line in
                    line.split(separator: " ", maxSplits: 1).last.flatMap { $0.hasPrefix("Extension") ? String($0) : nil }
                }
                guard screen.text.contains("98 ") else { break }
                let next = engine.step(session, input: "98", context: context())
                session = next.session
            }
            #expect(seen == catalogue.areas.map(\.name), "\(code): pages do not hold every area exactly once")
        }
    }

    /// "Already reported" with two matches at their longest fits one screen in every language, on
    /// USSD and by SMS: "It is a different fault" is never pushed to a second page.
    @Test func theAlreadyReportedOfferIsOneScreenWithDifferentFaultOnIt() throws {
        let shipped = try shippedDefinitions()
        for engine in [shipped.engine(), try #require(shipped.smsEngine())] {
            let offers = engine.sampleScreens().filter { engine.isOffer($0.state) }
            #expect(!offers.isEmpty)
            for sample in offers {
                #expect(!sample.variant.contains("page 2"), "\(sample.locale) \(sample.variant): \(sample.text)")
                let different = GSM7.transliterate(try #require(shipped.locales.locale(sample.locale).strings["duplicate.different"]))
                #expect(GSM7.transliterate(sample.text).contains(different), "\(sample.locale): \(sample.text)")
            }
            // At least the nearest match is offered beside it, at the longest fault type in every language.
            for sample in offers where !sample.variant.contains("invalid") {
                #expect(sample.text.split(separator: "\n").count(where: { $0.hasPrefix("1 ") || $0.hasPrefix("2 ") || $0.hasPrefix("3 ") }) >= 2,
                        "\(sample.locale): \(sample.text)")
            }
        }
    }

    func context() -> TurnContext {
        var g = SeededGenerator(state: 1)
        return TurnContext(now: .init(timeIntervalSince1970: 0), caller: nil, channel: .ussd, freshReference: .random(using: &g))
    }
}

@Suite struct GSM7Tests {
    @Test func countsSeptetsWithExtensionCharactersDouble() {
        #expect(GSM7.septets("Hello") == 5)
        #expect(GSM7.septets("a€b") == 4)
        #expect(GSM7.septets("[x]") == 5)
        #expect(GSM7.septets("é ü Ñ") == 5)
        #expect(GSM7.septets("ê") == nil)
        #expect(GSM7.septets("🚰") == nil)
    }

    @Test func transliteratesAfrikaansAndVendaDiacriticsAndTypography() {
        #expect(GSM7.transliterate("Sê vir my môre, ek kan dit nie hê nie") == "Se vir my more, ek kan dit nie he nie")
        #expect(GSM7.transliterate("ŉ Ëlê dïng ûî") == "'n Ele ding ui")
        #expect(GSM7.transliterate("ḓivhazwa ṱhavhela ṅwaha ḽa šumo") == "divhazwa thavhela nwaha la sumo")
        #expect(GSM7.transliterate("“Don’t” – now…") == "\"Don't\" - now...")
        #expect(GSM7.transliterate("Soweto") == "Soweto")
    }

    @Test func reportsWhatCannotBeTransliterated() {
        #expect(GSM7.unencodable("Pipe 🚰 burst") == ["🚰"])
        #expect(GSM7.unencodable("môre").isEmpty)
    }
}
