/// RFC 4180 CSV: quoted fields with commas, doubled quotes and line breaks inside, CRLF or LF, an
/// optional UTF-8 byte order mark. Records are numbered from 1 (the header), as people count rows.
public struct CSVTable: Sendable, Equatable {
    public var header: [String]
    public var records: [(number: Int, fields: [String])]

    public static func == (a: CSVTable, b: CSVTable) -> Bool {
        a.header == b.header && a.records.map(\.number) == b.records.map(\.number) && a.records.map(\.fields) == b.records.map(\.fields)
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case notUTF8
        case empty
        case unterminatedQuote(record: Int)
        case textAfterQuote(record: Int)

        public var description: String {
            switch self {
            case .notUTF8: "the body is not UTF-8 text"
            case .empty: "the body is empty: a header row is needed"
            case .unterminatedQuote(let r): "row \(r): a quoted field is never closed"
            case .textAfterQuote(let r): "row \(r): text follows a closing quote"
            }
        }
    }

    public init(parsing bytes: [UInt8], separator: UInt8 = UInt8(ascii: ",")) throws(Problem) {
        var input = bytes[...]
        if input.starts(with: [0xEF, 0xBB, 0xBF]) { input = input.dropFirst(3) }
        guard String(validating: input, as: UTF8.self) != nil else { throw .notUTF8 }
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var i = input.startIndex
        var quoted = false
        var afterQuote = false
        let quote = UInt8(ascii: "\""), comma = separator, cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        func endField() {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            afterQuote = false
        }
        while i < input.endIndex {
            let b = input[i]
            if quoted {
                if b == quote {
                    let next = input.index(after: i)
                    if next < input.endIndex && input[next] == quote {
                        field.append(quote)
                        i = next
                    } else {
                        quoted = false
                        afterQuote = true
                    }
                } else {
                    field.append(b)
                }
            } else if b == comma {
                endField()
            } else if b == lf || b == cr {
                if b == cr, input.index(after: i) < input.endIndex, input[input.index(after: i)] == lf { i = input.index(after: i) }
                endField()
                records.append(record)
                record = []
            } else if b == quote && field.isEmpty && !afterQuote {
                quoted = true
            } else {
                if afterQuote { throw .textAfterQuote(record: records.count + 1) }
                field.append(b)
            }
            i = input.index(after: i)
        }
        if quoted { throw .unterminatedQuote(record: records.count + 1) }
        if !field.isEmpty || !record.isEmpty || afterQuote {
            endField()
            records.append(record)
        }
        // Blank lines carry nothing.
        let numbered = records.enumerated().map { (number: $0.offset + 1, fields: $0.element) }.filter { $0.fields != [""] }
        guard let first = numbered.first else { throw .empty }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        self.records = Array(numbered.dropFirst())
    }
}
