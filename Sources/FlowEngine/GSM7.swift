/// GSM 03.38 7-bit text rules: what a USSD screen or an SMS can carry without switching to UCS-2.
public enum GSM7 {
    /// The basic character set: one septet each.
    static let basic: Set<Character> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    )
    /// The extension table: an escape plus the character, two septets each.
    static let extended: Set<Character> = Set("^{}\\[~]|€\u{0C}")

    /// Characters outside GSM-7 that have a faithful plain spelling. Afrikaans, Sepedi and
    /// Tshivenda diacritics, typographic quotes and dashes. Documented in locales/README.md.
    public static let transliterations: [Character: String] = [
        "ê": "e", "ë": "e", "ô": "o", "û": "u", "î": "i", "ï": "i", "á": "a", "â": "a",
        "í": "i", "ó": "o", "ú": "u", "ç": "c", "ý": "y", "è": "è",
        "Ê": "E", "Ë": "E", "Ô": "O", "Û": "U", "Î": "I", "Ï": "I", "Á": "A", "Â": "A",
        "Í": "I", "Ó": "O", "Ú": "U", "È": "E",
        "š": "s", "Š": "S", "ḓ": "d", "Ḓ": "D", "ḽ": "l", "Ḽ": "L", "ṅ": "n", "ṋ": "n",
        "Ṅ": "N", "Ṋ": "N", "ṱ": "t", "Ṱ": "T",
        "‘": "'", "’": "'", "ʼ": "'", "“": "\"", "”": "\"", "–": "-", "—": "-", "…": "...",
        "ŉ": "'n", "\u{00A0}": " ", "\t": " ",
    ]

    /// Septets per Unicode scalar: 1 basic, 2 extension, 0 not in the alphabet. ASCII by table.
    private static let asciiSeptets: [UInt8] = (0..<128).map { code in
        let ch = Character(Unicode.Scalar(UInt8(code)))
        return basic.contains(ch) ? 1 : extended.contains(ch) ? 2 : 0
    }
    private static let otherSeptets: [UInt32: UInt8] = {
        var table: [UInt32: UInt8] = [:]
        for ch in basic { for s in ch.unicodeScalars where s.value >= 128 { table[s.value] = 1 } }
        for ch in extended { for s in ch.unicodeScalars where s.value >= 128 { table[s.value] = 2 } }
        return table
    }()

    @inline(__always)
    private static func septets(of scalar: Unicode.Scalar) -> UInt8 {
        scalar.value < 128 ? asciiSeptets[Int(scalar.value)] : otherSeptets[scalar.value] ?? 0
    }

    /// Septets needed to send `text` in GSM-7, or nil if some character is not in the alphabet.
    public static func septets(_ text: String) -> Int? {
        var n = 0
        for scalar in text.unicodeScalars {
            let s = septets(of: scalar)
            if s == 0 { return nil }
            n += Int(s)
        }
        return n
    }

    public static func isEncodable(_ text: String) -> Bool { septets(text) != nil }

    /// Replaces what has a plain spelling; characters with none are kept so a check can report them.
    public static func transliterate(_ text: String) -> String {
        if isEncodable(text) { return text }
        var out = ""
        for ch in text {
            if basic.contains(ch) || extended.contains(ch) {
                out.append(ch)
            } else if let plain = transliterations[ch] {
                out += plain
            } else {
                out.append(ch)
            }
        }
        return out
    }

    /// The characters of `text` that neither GSM-7 nor the table can carry.
    public static func unencodable(_ text: String) -> [Character] {
        transliterate(text).filter { !basic.contains($0) && !extended.contains($0) }
    }

    /// Screen length as the network counts it: septets, or UTF-16 units x 2.25 when not GSM-7
    /// (a UCS-2 screen of 80 characters is as full as a GSM-7 one of 182).
    public static func screenCost(_ text: String) -> Int {
        septets(text) ?? (text.utf16.count * 182 + 79) / 80
    }
}
