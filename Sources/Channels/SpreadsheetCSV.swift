/// CSV as spreadsheets save it: UTF-8 with or without a byte-order mark, or Windows-1252 (Excel's
/// "CSV" on a Windows machine set to English or Afrikaans); `,` or `;` between fields (`;` where
/// the decimal mark is a comma); CRLF or LF; quoted fields with line breaks. Turned into the
/// UTF-8 CSVTable the bulk API reads.
public enum SpreadsheetCSV {
    public static func table(_ bytes: [UInt8], maxRows: Int? = nil) throws(CSVTable.Problem) -> CSVTable {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        let utf8: [UInt8] = String(validating: body, as: UTF8.self) != nil ? Array(body) : Array(windows1252(body).utf8)
        return try CSVTable(parsing: utf8, separator: separator(utf8), maxRows: maxRows)
    }

    /// `;` when the header line has more semicolons than commas outside quotes, else `,`.
    static func separator(_ bytes: [UInt8]) -> UInt8 {
        var commas = 0, semicolons = 0, quoted = false
        for b in bytes {
            if b == UInt8(ascii: "\"") { quoted.toggle() }
            else if !quoted && (b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r")) { break }
            else if !quoted && b == UInt8(ascii: ",") { commas += 1 }
            else if !quoted && b == UInt8(ascii: ";") { semicolons += 1 }
        }
        return semicolons > commas ? UInt8(ascii: ";") : UInt8(ascii: ",")
    }

    /// Windows-1252: Latin-1 but for 0x80-0x9F, which hold curly quotes, dashes, the euro sign and
    /// a few letters (five codes are unassigned and become U+FFFD).
    static func windows1252<C: Collection<UInt8>>(_ bytes: C) -> String {
        var out = String.UnicodeScalarView()
        for b in bytes {
            if (0x80...0x9F).contains(b) {
                out.append(Unicode.Scalar(high[Int(b - 0x80)]) ?? "\u{FFFD}")
            } else {
                out.append(Unicode.Scalar(b))
            }
        }
        return String(out)
    }

    private static let high: [UInt32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
        0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    ]
}
