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
        var parser = CSVRecordParser(separator: separator)
        var header: [String]?
        var records: [(number: Int, fields: [String])] = []
        func take(_ number: Int, _ fields: [String]) throws(Problem) {
            guard header != nil else {
                header = CSVRecordParser.header(fields)
                return
            }
            if let maxRows, records.count >= maxRows { throw .tooManyRows(limit: maxRows) }
            records.append((number: number, fields: fields))
        }
        try parser.feed(bytes, take)
        try parser.finish(take)
        guard let header else { throw .empty }
        self.header = header
        self.records = records
    }
}

/// RFC 4180 records from bytes that arrive in pieces (a file read a megabyte at a time), each
/// handed on as soon as it ends, numbered as `CSVTable` numbers them. A piece may end anywhere,
/// inside a quoted field or a UTF-8 character; each field is checked as UTF-8 when it ends.
public struct CSVRecordParser: Sendable {
    let separator: UInt8
    var record: [String] = []
    var field: [UInt8] = []
    var number = 1
    var quoted = false
    var afterQuote = false
    /// The previous piece ended on a CR: an LF starting this one belongs to it.
    var pendingCR = false
    /// The previous piece ended on a quote inside a quoted field.
    var pendingQuote = false
    var started = false
    var markSeen = 0

    public init(separator: UInt8 = UInt8(ascii: ",")) { self.separator = separator }

    /// A header row as `CSVTable` keeps it: trimmed and lower case.
    public static func header(_ fields: [String]) -> [String] { fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } }

    public mutating func feed<C: Collection<UInt8>>(_ piece: C, _ take: (Int, [String]) throws(CSVTable.Problem) -> Void) throws(CSVTable.Problem) {
        var input = piece[...]
        if input.isEmpty { return }
        if !started {
            // A UTF-8 byte order mark is dropped, even when it comes in more than one piece.
            let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
            while markSeen < 3, let b = input.first, b == mark[markSeen] { markSeen += 1; input = input.dropFirst() }
            if markSeen < 3 && input.isEmpty { return }
            started = true
            if markSeen < 3 { field.append(contentsOf: mark[0..<markSeen]) }  // not a mark: those bytes are text
        }
        let quote = UInt8(ascii: "\""), comma = separator, cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var i = input.startIndex
        if pendingCR {
            pendingCR = false
            if i < input.endIndex, input[i] == lf { i = input.index(after: i) }
        }
        if pendingQuote, i < input.endIndex {
            // The previous piece ended on a quote inside a quoted field: doubled, or the closing one.
            pendingQuote = false
            if input[i] == quote { field.append(quote); i = input.index(after: i) } else { quoted = false; afterQuote = true }
        }
        while i < input.endIndex {
            let b = input[i]
            if quoted {
                if b == quote {
                    let next = input.index(after: i)
                    if next == input.endIndex {
                        pendingQuote = true
                    } else if input[next] == quote {
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
                try endField()
            } else if b == lf || b == cr {
                if b == cr {
                    let next = input.index(after: i)
                    if next == input.endIndex { pendingCR = true } else if input[next] == lf { i = next }
                }
                if field.isEmpty && record.isEmpty && !afterQuote {
                    number += 1  // a blank line: nothing to make
                } else {
                    try endField()
                    try endRecord(take)
                }
            } else if b == quote && field.isEmpty && !afterQuote {
                quoted = true
            } else {
                if afterQuote { throw .textAfterQuote(record: number) }
                field.append(b)
            }
            i = input.index(after: i)
        }
    }

    /// The input has ended: the last record, if it had no line break.
    public mutating func finish(_ take: (Int, [String]) throws(CSVTable.Problem) -> Void) throws(CSVTable.Problem) {
        if !started && markSeen < 3 { field.append(contentsOf: [0xEF, 0xBB, 0xBF][0..<markSeen]) }
        if pendingQuote { (pendingQuote, quoted, afterQuote) = (false, false, true) }
        if quoted { throw .unterminatedQuote(record: number) }
        if !field.isEmpty || !record.isEmpty || afterQuote {
            try endField()
            try endRecord(take)
        }
    }

    mutating func endField() throws(CSVTable.Problem) {
        guard let text = String(validating: field, as: UTF8.self) else { throw .notUTF8 }
        record.append(text)
        field.removeAll(keepingCapacity: true)
        afterQuote = false
    }

    mutating func endRecord(_ take: (Int, [String]) throws(CSVTable.Problem) -> Void) throws(CSVTable.Problem) {
        defer { number += 1; record.removeAll(keepingCapacity: true) }
        if record.count == 1 && record[0].isEmpty { return }  // a blank line carries nothing
        try take(number, record)
    }
}
