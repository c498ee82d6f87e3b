@testable import FlowEngine
import Testing

@Suite struct TemplateTests {
    @Test(arguments: [
        ("Your reference is {reference}.", "Your reference is 123 456 789."),
        ("{fault}, {area}, {address}", "Burst pipe, Soweto, 12 Main Rd"),
        ("{fault}{area}", "Burst pipeSoweto"),
        ("Ngiyabonga {name}, {missing} kept", "Ngiyabonga Thandéka, {missing} kept"),
        ("Dankie — verwysing: {reference} ✓", "Dankie — verwysing: 123 456 789 ✓"),
        ("no placeholders, é and 👍🏽", "no placeholders, é and 👍🏽"),
        ("unclosed {reference and more", "unclosed {reference and more"),
        ("{reference} then {unclosed", "123 456 789 then {unclosed"),
        ("}{}{reference}", "}{}123 456 789"),
        ("", ""),
    ])
    func fillsKnownPlaceholdersAndKeepsEverythingElse(template: String, expected: String) {
        let values = ["reference": "123 456 789", "fault": "Burst pipe", "area": "Soweto", "address": "12 Main Rd", "name": "Thandéka"]
        #expect(Template.fill(template, values) == expected)
    }
}

@Suite struct AnswerTrimmingTests {
    @Test(arguments: [
        ("12 Main Rd", "12 Main Rd"), ("  12 Main Rd \n", "12 Main Rd"), ("\t1", "1"), ("1 ", "1"), ("   ", ""), ("", ""),
        ("é ", "é"), (" Thandéka", "Thandéka"), ("\u{00A0}2\u{2003}", "2"), ("x\r\n", "x"), ("a\u{301}", "a\u{301}"), ("!", "!"),
    ])
    func answersLoseSpaceAtTheEndsOnly(raw: String, expected: String) {
        #expect(FlowEngine.trimmed(raw) == expected)
    }
}
