/// Text that reaches the public, or a resident other than the one who wrote it, loses what
/// identifies a person: phone and ID numbers however they are spelt, and e-mail addresses however
/// they are disguised. Every public channel (USSD Track, SMS `STATUS` and updates, incident news,
/// Open311, the organisation portal) and erasure call this one function.
///
/// It keeps what a crew or a resident needs to find and follow a fault: street and stand numbers,
/// dates (`2026-12-01`), times and ranges (`14:00`, `08:00-16:00`) and a ticket's own reference
/// as it is shown (`393 753 400`).
public enum PublicText {
    public static let numberRemoved = "[number removed]"
    public static let emailRemoved = "[email removed]"

    public static func scrub(_ text: String) -> String {
        if nothingToScrub(text) { return text }
        return NumberScrubber.scrub(EmailScrubber.scrub(text))
    }

    /// ASCII text with fewer digits than a number has and nothing that could mark an e-mail
    /// address (`@`, or the letters `at` anywhere): the scrubbers would return it as it is, so it
    /// is, without their walk over its characters (an address such as `12 Main Rd` on every offer).
    static func nothingToScrub(_ text: String) -> Bool {
        var digits = 0
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte >= 0x80 || byte == UInt8(ascii: "@") { return false }
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
                if digits >= NumberScrubber.numberDigits { return false }
            }
            if byte | 0x20 == UInt8(ascii: "t") && previous | 0x20 == UInt8(ascii: "a") { return false }
            previous = byte
        }
        return true
    }
}

/// The characters of text, read as the scrubbers need them.
enum TextClass {
    /// A decimal digit in any script: ASCII, full-width, Arabic-Indic, Devanagari...
    static func digit(_ c: Character) -> Int? {
        guard let scalar = c.unicodeScalars.first, c.unicodeScalars.count == 1,
              scalar.properties.numericType == .decimal || scalar.properties.numericType == .digit else { return nil }
        return c.wholeNumberValue
    }

    static func isLetter(_ c: Character) -> Bool { c.isLetter }
    static func isNewline(_ c: Character) -> Bool { c.isNewline }
}
