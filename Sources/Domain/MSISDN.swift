/// A mobile number in E.164 form (`+27821234567`). Personal information: show it masked.
public struct MSISDN: Hashable, Sendable, Codable, CustomStringConvertible {
    public let e164: String

    /// Accepts `+27821234567`, `27821234567` and the national `0821234567` (South Africa);
    /// spaces, dashes, brackets and `+` are ignored, anything else makes it no number.
    public init?(_ raw: String, defaultCountryCode: String = "27") {
        // Byte by byte into a buffer on the stack: every webhook parses one, most several.
        let e164 = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.maxRawDigits) { digits -> String? in
            var count = 0
            for byte in raw.utf8 {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    guard count < Self.maxRawDigits else { return nil }  // longer than any number
                    digits[count] = byte
                    count += 1
                case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "+"): continue
                default: return nil
                }
            }
            var rest = UnsafeBufferPointer(rebasing: digits[..<count])
            var country = Substring().utf8
            if count >= 2, rest[0] == UInt8(ascii: "0"), rest[1] == UInt8(ascii: "0") {
                rest = UnsafeBufferPointer(rebasing: rest[2...])
            } else if count >= 1, rest[0] == UInt8(ascii: "0") {
                rest = UnsafeBufferPointer(rebasing: rest[1...])
                country = Substring(defaultCountryCode).utf8
            }
            let total = country.count + rest.count
            guard (8...15).contains(total) else { return nil }
            return String(unsafeUninitializedCapacity: total + 1) { out in
                out[0] = UInt8(ascii: "+")
                var i = 1
                for byte in country { out[i] = byte; i += 1 }
                for byte in rest { out[i] = byte; i += 1 }
                return i
            }
        }
        guard let e164 else { return nil }
        self.e164 = e164
    }

    /// More digits than this is no number, whatever its prefix.
    static let maxRawDigits = 24

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
