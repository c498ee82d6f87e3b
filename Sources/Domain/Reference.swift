/// A ticket reference: digits only, typeable on a keypad, never sequential, and ending in a
/// Verhoeff check digit, so any single mistyped digit or swapped neighbours are rejected instead of
/// showing somebody else's ticket.
public struct Reference: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Total digits including the check digit.
    public static let length = 9

    /// The canonical form: `length` digits, no spaces.
    public let digits: String

    /// Parses what a resident typed: spaces, dashes and dots between digits are ignored.
    public init(parsing text: String) throws(ReferenceError) {
        var digits = ""
        for ch in text.unicodeScalars {
            switch ch {
            case "0"..."9": digits.unicodeScalars.append(ch)
            case " ", "-", ".", "\t": continue
            default: throw .notDigits
            }
        }
        guard digits.count == Self.length else { throw .wrongLength(digits.count) }
        guard Verhoeff.isValid(digits) else { throw .checkDigitMismatch }
        self.digits = digits
    }

    /// Draws a fresh random reference. The first digit is never 0, so it keeps its length when
    /// someone stores it as a number.
    public static func random(using generator: inout some RandomNumberGenerator) -> Reference {
        // One draw for all eight body digits, the first never 0 (modulo bias is below 1e-11).
        var n = generator.next() % 90_000_000 + 10_000_000
        var body = [UInt8](repeating: 0, count: length - 1)
        for i in stride(from: length - 2, through: 0, by: -1) {
            body[i] = UInt8(n % 10) + 48
            n /= 10
        }
        let text = String(decoding: body, as: UTF8.self)
        return Reference(unchecked: text + String(Verhoeff.checkDigit(for: text)))
    }

    private init(unchecked digits: String) { self.digits = digits }

    /// Stands for a report not filed yet (compared with tickets, never shown): no ticket has it,
    /// its check digit being wrong.
    public static let unfiled = Reference(unchecked: "000000001")

    /// Grouped in threes for reading aloud and typing: `482 109 375`.
    public var grouped: String {
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && i % 3 == 0 { out.append(" ") }
            out.append(ch)
        }
        return out
    }

    public var description: String { grouped }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try Reference(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid reference \(text)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(digits)
    }
}

public enum ReferenceError: Error, Equatable, Sendable {
    case notDigits
    case wrongLength(Int)
    case checkDigitMismatch
}

/// The Verhoeff dihedral-group check digit: detects every single-digit error and every
/// transposition of adjacent digits (Luhn misses 09 <-> 90).
enum Verhoeff {
    private static let d: [[Int]] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ]
    /// Verhoeff's permutation sigma; row i of the position table is sigma applied i times, derived
    /// rather than typed so that no row can carry a typo.
    private static let sigma = [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]
    private static let p: [[Int]] = {
        var rows = [Array(0...9)]
        for _ in 1..<8 { rows.append(rows.last!.map { sigma[$0] }) }
        return rows
    }()
    private static let inv = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]

    private static func values(_ digits: String) -> [Int] {
        digits.unicodeScalars.reversed().map { Int($0.value) - 48 }
    }

    static func checkDigit(for digits: String) -> Int {
        var c = 0
        for (i, n) in values(digits).enumerated() { c = d[c][p[(i + 1) % 8][n]] }
        return inv[c]
    }

    static func isValid(_ digits: String) -> Bool {
        var c = 0
        for (i, n) in values(digits).enumerated() { c = d[c][p[i % 8][n]] }
        return c == 0
    }
}
