/// A mobile number in E.164 form (`+27821234567`). Personal information: show it masked.
public struct MSISDN: Hashable, Sendable, Codable, CustomStringConvertible {
    public let e164: String

    /// Accepts `+27821234567`, `27821234567` and the national `0821234567` (South Africa).
    public init?(_ raw: String, defaultCountryCode: String = "27") {
        var digits = ""
        for ch in raw.unicodeScalars {
            switch ch {
            case "0"..."9": digits.unicodeScalars.append(ch)
            case " ", "-", "(", ")", "+": continue
            default: return nil
            }
        }
        if digits.hasPrefix("00") { digits.removeFirst(2) } else if digits.hasPrefix("0") {
            digits = defaultCountryCode + digits.dropFirst()
        }
        guard (8...15).contains(digits.count) else { return nil }
        self.e164 = "+" + digits
    }

    /// `+27 82 *** 4567`: enough for a person to recognise their own number, not to dial it.
    public var masked: String {
        let digits = Array(e164.dropFirst())
        guard digits.count >= 9 else { return "+" + String(repeating: "*", count: digits.count) }
        let cc = String(digits.prefix(2))
        let prefix = String(digits.dropFirst(2).prefix(2))
        let last = String(digits.suffix(4))
        return "+\(cc) \(prefix) *** \(last)"
    }

    /// Logs never carry the full number.
    public var description: String { masked }
}
