/// How an SMS body travels and how many parts it costs.
public struct SMSMeasure: Sendable, Equatable {
    public enum Coding: String, Sendable, Equatable {
        /// GSM 03.38 7-bit: 160 per SMS, 153 per part; extension characters count double.
        case gsm7
        /// UCS-2 (UTF-16): 70 per SMS, 67 per part; one character outside GSM-7 forces it.
        case ucs2
    }

    public var coding: Coding
    /// Septets (GSM-7) or UTF-16 units (UCS-2).
    public var units: Int
    public var segments: Int

    public init(coding: Coding, units: Int, segments: Int) {
        self.coding = coding
        self.units = units
        self.segments = segments
    }

    public static func of(_ text: String) -> SMSMeasure {
        if let septets = GSM7.septets(text) {
            return SMSMeasure(coding: .gsm7, units: septets, segments: septets <= 160 ? 1 : (septets + 152) / 153)
        }
        let units = text.utf16.count
        return SMSMeasure(coding: .ucs2, units: units, segments: units <= 70 ? 1 : (units + 66) / 67)
    }
}

extension SMSMeasure {
    /// The text as it should go: kept as written (UCS-2 if a language needs it) unless spelling
    /// its diacritics plainly would take fewer segments, as a long Sepedi reply with š would.
    public static func cheapest(_ text: String) -> String {
        let written = of(text)
        guard written.coding == .ucs2 else { return text }
        let plain = GSM7.transliterate(text)
        guard GSM7.isEncodable(plain), of(plain).segments < written.segments else { return text }
        return plain
    }
}
