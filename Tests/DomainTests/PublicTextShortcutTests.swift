@testable import Domain
import Testing
import TestSupport

/// `PublicText.scrub` returns plain text without walking it when the scrubbers could find nothing
/// in it; that shortcut must never let through what they would remove.
@Suite struct PublicTextShortcutTests {
    @Test func textTheShortcutPassesIsWhatTheScrubbersReturn() {
        var generator = SeededGenerator(state: 34)
        let pieces = ["1", "2", "08", "082", "123", "4567", " ", ".", "-", "+", "(", ")", "[", "]", "*", ",", "a", "t", "A", "T",
                      "at", "AT", " at ", "(at)", "@", "dot", " dot ", "com", "za", "Main", "Rd", "St", "gmail", "x", "e", "\n"]
        var passed = 0
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...14, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            guard PublicText.nothingToScrub(text) else { continue }
            passed += 1
            #expect(NumberScrubber.scrub(EmailScrubber.scrub(text)) == text, "\(text)")
        }
        #expect(passed > 1_000, "the draw must exercise the shortcut")
    }

    @Test func plainAddressesTakeTheShortcutAndAnythingThatMayHideAContactDoesNot() {
        for plain in ["12 Main Rd", "cnr Vilakazi St & Main Rd", "Stand 4411, Extension 2", ""] {
            #expect(PublicText.nothingToScrub(plain), "\(plain)")
        }
        for walked in ["call 082 123 4567", "082123456", "me@example.com", "thabo at gmail dot com", "Station Rd",
                       "12 Vilakazi St, Orlando Ēast", "０８２"] {
            #expect(!PublicText.nothingToScrub(walked), "\(walked)")
        }
        #expect(PublicText.scrub("thabo at gmail dot com, 12 Main Rd") == "\(PublicText.emailRemoved), 12 Main Rd")
    }
}
