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
        /// More data rows (the header not counted) than one request or upload may carry.
        case tooManyRows(limit: Int)

        public var description: String {
            switch self {
            case .notUTF8: "the body is not UTF-8 text"
            case .empty: "the body is empty: a header row is needed"
            case .unterminatedQuote(let r): "row \(r): a quoted field is never closed"
            case .textAfterQuote(let r): "row \(r): text follows a closing quote"
            case .tooManyRows(let limit): "more than \(limit) rows: at most \(limit) reports go in one file; split it into smaller files"
            }
        }
    }

    /// Reads `bytes` record by record. Blank lines are skipped as they are read (they cost nothing),
    /// and reading stops with `tooManyRows` at the first data row past `maxRows`, so a body of
    /// millions of lines never becomes millions of arrays.
    public init(parsing bytes: [UInt8], separator: UInt8 = UInt8(ascii: ","), maxRows: Int? = nil) throws(Problem) {
        var input = bytes[...]
        if input.starts(with: [0xEF, 0xBB, 0xBF]) { input = input.dropFirst(3) }
        guard String(validating: input, as: UTF8.self) != nil else { throw .notUTF8 }
        var header: [String]?
        var records: [(number: Int, fields: [String])] = []
        var record: [String] = []
        var field: [UInt8] = []
        var number = 1
        var i = input.startIndex
        var quoted = false
        var afterQuote = false
        let quote = UInt8(ascii: "\""), comma = separator, cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        func endField() {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            afterQuote = false
        }
        func endRecord() throws(Problem) {
            defer { number += 1; record.removeAll(keepingCapacity: true) }
            if record.count == 1 && record[0].isEmpty { return }  // a blank line carries nothing
            guard header != nil else {
                header = record.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                return
            }
            if let maxRows, records.count >= maxRows { throw .tooManyRows(limit: maxRows) }
            records.append((number: number, fields: record))
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
                if field.isEmpty && record.isEmpty && !afterQuote {
                    number += 1  // a blank line: nothing to make
                } else {
                    endField()
                    try endRecord()
                }
            } else if b == quote && field.isEmpty && !afterQuote {
                quoted = true
            } else {
                if afterQuote { throw .textAfterQuote(record: number) }
                field.append(b)
            }
            i = input.index(after: i)
        }
        if quoted { throw .unterminatedQuote(record: number) }
        if !field.isEmpty || !record.isEmpty || afterQuote {
            endField()
            try endRecord()
        }
        guard let header else { throw .empty }
        self.header = header
        self.records = records
    }
}
