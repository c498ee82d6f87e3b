import Domain
import TestSupport
import Testing

@Suite struct ReferenceTests {
    @Test func drawnReferencesAreNineDigitsAndValid() throws {
        var g = SeededGenerator(state: 1)
        for _ in 0..<1000 {
            let r = Reference.random(using: &g)
            #expect(r.digits.count == 9)
            #expect(r.digits.first != "0")
            #expect(try Reference(parsing: r.digits) == r)
        }
    }

    @Test func referencesAreNotSequential() {
        var g = SeededGenerator(state: 7)
        let a = Reference.random(using: &g), b = Reference.random(using: &g)
        let gap = abs((Int(a.digits) ?? 0) - (Int(b.digits) ?? 0))
        #expect(gap > 1000)
    }

    @Test func groupedForReadingAndAcceptedWithOrWithoutSpaces() throws {
        var g = SeededGenerator(state: 3)
        let r = Reference.random(using: &g)
        let grouped = r.grouped
        #expect(grouped.count == 11)
        #expect(grouped.split(separator: " ").map(\.count) == [3, 3, 3])
        #expect(try Reference(parsing: grouped) == r)
        #expect(try Reference(parsing: " " + r.digits + " ") == r)
        #expect(try Reference(parsing: grouped.replacingOccurrences(of: " ", with: "-")) == r)
    }

    @Test func everySingleDigitTypoIsRejected() throws {
        var g = SeededGenerator(state: 11)
        for _ in 0..<200 {
            let digits = Array(Reference.random(using: &g).digits)
            for i in digits.indices {
                for d in "0123456789" where d != digits[i] {
                    var typo = digits
                    typo[i] = d
                    #expect(throws: ReferenceError.checkDigitMismatch) { try Reference(parsing: String(typo)) }
                }
            }
        }
    }

    @Test func everyAdjacentSwapIsRejected() throws {
        var g = SeededGenerator(state: 13)
        for _ in 0..<500 {
            let digits = Array(Reference.random(using: &g).digits)
            for i in 0..<(digits.count - 1) where digits[i] != digits[i + 1] {
                var swapped = digits
                swapped.swapAt(i, i + 1)
                #expect(throws: ReferenceError.checkDigitMismatch) { try Reference(parsing: String(swapped)) }
            }
        }
    }

    @Test func wrongShapesAreRejectedWithReasons() {
        #expect(throws: ReferenceError.wrongLength(8)) { try Reference(parsing: "12345678") }
        #expect(throws: ReferenceError.wrongLength(10)) { try Reference(parsing: "1234567890") }
        #expect(throws: ReferenceError.notDigits) { try Reference(parsing: "12345678a") }
        #expect(throws: ReferenceError.notDigits) { try Reference(parsing: "*120#") }
    }
}

@Suite struct MSISDNTests {
    @Test func normalisesToE164() {
        #expect(MSISDN("+27821234567")?.e164 == "+27821234567")
        #expect(MSISDN("27821234567")?.e164 == "+27821234567")
        #expect(MSISDN("082 123 4567")?.e164 == "+27821234567")
        #expect(MSISDN("0027821234567")?.e164 == "+27821234567")
        #expect(MSISDN("not a number") == nil)
        #expect(MSISDN("123") == nil)
        #expect(MSISDN("(082) 123-4567")?.e164 == "+27821234567")
        #expect(MSISDN("0821234567", defaultCountryCode: "267")?.e164 == "+267821234567")
        #expect(MSISDN("+27 82 123 4567 ext") == nil && MSISDN("+27８21234567") == nil && MSISDN("") == nil)
        #expect(MSISDN(String(repeating: "1", count: 15))?.e164.count == 16)
        #expect(MSISDN(String(repeating: "1", count: 16)) == nil && MSISDN(String(repeating: "1", count: 400)) == nil)
    }

    /// The rules as first written, character by character: the parser must agree with them on anything.
    static func reference(_ raw: String, _ defaultCountryCode: String = "27") -> String? {
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
        return "+" + digits
    }

    @Test func agreesWithTheRulesOnRandomInput() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["0", "00", "1", "2", "7", "8", "9", "27", "082", " ", "-", "(", ")", "+", "a", "é", "٣", "*", "#", "12345"]
        for _ in 0..<20_000 {
            let raw = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            #expect(MSISDN(raw)?.e164 == Self.reference(raw), "\(raw)")
        }
    }

    @Test func maskedForConsoleAndLogs() {
        let m = MSISDN("+27821234567")!
        #expect(m.masked == "+27 82 *** 4567")
        #expect("\(m)" == "+27 82 *** 4567")
        #expect(!m.description.contains("123"))
    }
}

@Suite struct RoutingTableTests {
    let table = RoutingTable(
        rules: [
            RoutingRule(service: "water", area: "soweto", destination: Destination(moe: "water", queue: "water-south")),
            RoutingRule(service: "water", area: nil, destination: Destination(moe: "water", queue: "water-general")),
        ],
        triage: Destination(moe: "municipal", queue: "triage"))

    @Test func exactAreaWinsOverServiceWide() {
        #expect(table.route(service: "water", area: "soweto") == Destination(moe: "water", queue: "water-south"))
        #expect(table.route(service: "water", area: "sandton") == Destination(moe: "water", queue: "water-general"))
    }

    @Test func unroutableGoesToTriageNeverNowhere() {
        #expect(table.route(service: "potholes-on-mars", area: "soweto") == Destination(moe: "municipal", queue: "triage"))
    }
}
