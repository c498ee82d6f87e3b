import Channels
import Testing

/// `civicgate import` reads its file a megabyte at a time: a piece may end anywhere, inside a
/// quoted field, between a doubled quote, between CR and LF, inside a UTF-8 character.
@Suite struct CSVRecordParserTests {
    static let text = "\u{FEFF}External_ID, Service_Code\r\n"
        + "r1,\"12 \"\"Main\"\" Rd, Soweto\"\r\n"
        + "\r\n"
        + "r2,\"two\nlines\"\n"
        + "r3,Ümlaut café ☕\r"
        + "r4,\"\"\n"
        + "r5,\"ends on a quote\""

    func records(_ bytes: [UInt8], splitAt cuts: [Int]) throws(CSVTable.Problem) -> [[String]] {
        var parser = CSVRecordParser()
        var out: [[String]] = []
        func take(_ number: Int, _ fields: [String]) { out.append(["\(number)"] + fields) }
        var start = 0
        for cut in cuts + [bytes.count] {
            try parser.feed(bytes[start..<cut], take)
            start = cut
        }
        try parser.finish(take)
        return out
    }

    @Test func everyWayOfCuttingTheFileInTwoOrThreeGivesTheRecordsOfTheWholeFile() throws {
        let bytes = Array(Self.text.utf8)
        let table = try CSVTable(parsing: bytes)
        let whole = [["1"] + table.header] + table.records.map { ["\($0.number)"] + $0.fields }
        #expect(whole[1] == ["2", "r1", "12 \"Main\" Rd, Soweto"])
        #expect(whole.map { $0[0] } == ["1", "2", "4", "5", "6", "7"], "records numbered from the header, the blank line counted")
        #expect(whole[2] == ["4", "r2", "two\nlines"] && whole[3] == ["5", "r3", "Ümlaut café ☕"])
        #expect(whole[4] == ["6", "r4", ""] && whole[5] == ["7", "r5", "ends on a quote"])
        // The parser keeps the header as read; CSVTable lowers and trims it.
        let header = CSVRecordParser.header(try records(bytes, splitAt: [])[0].dropFirst().map { $0 })
        #expect(header == table.header)
        for a in 0...bytes.count {
            var got = try records(bytes, splitAt: [a])
            got[0] = ["1"] + CSVRecordParser.header(Array(got[0].dropFirst()))
            #expect(got == whole, "cut at \(a)")
            for b in stride(from: a, through: bytes.count, by: 11) {
                var three = try records(bytes, splitAt: [a, b])
                three[0] = ["1"] + CSVRecordParser.header(Array(three[0].dropFirst()))
                #expect(three == whole, "cut at \(a) and \(b)")
            }
        }
    }

    @Test func problemsAreFoundWhereverThePiecesEnd() {
        let broken: [(String, CSVTable.Problem)] = [
            ("a,b\n\"x,y\n", .unterminatedQuote(record: 2)),
            ("a,b\n\"x\"y,z\n", .textAfterQuote(record: 2)),
        ]
        for (text, problem) in broken {
            let bytes = Array(text.utf8)
            for cut in 0...bytes.count {
                #expect(throws: problem, "cut at \(cut)") { try records(bytes, splitAt: [cut]) }
            }
        }
        // A field that is not UTF-8, even when a piece ends inside it.
        let bytes: [UInt8] = Array("a,b\nx,".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        for cut in 0...bytes.count {
            #expect(throws: CSVTable.Problem.notUTF8, "cut at \(cut)") { try records(bytes, splitAt: [cut]) }
        }
    }
}
