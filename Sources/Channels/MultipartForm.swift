import Foundation

/// `multipart/form-data` (RFC 7578) as a browser sends a form with a file: each part's name, its
/// file name if it is a file, and its bytes. Only what a console form needs; anything malformed is nil.
public struct MultipartForm: Sendable {
    public struct Part: Sendable, Equatable {
        public var name: String
        public var filename: String?
        public var body: [UInt8]
    }

    public var parts: [Part]

    public func value(_ name: String) -> String? {
        parts.first { $0.name == name && $0.filename == nil }.map { String(decoding: $0.body, as: UTF8.self) }
    }

    public func file(_ name: String) -> Part? { parts.first { $0.name == name && $0.filename != nil } }

    /// The boundary from a `Content-Type: multipart/form-data; boundary=...` header.
    public static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() where piece.lowercased().hasPrefix("boundary=") {
            let value = piece.dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return (1...70).contains(value.count) ? value : nil
        }
        return nil
    }

    public init?(_ body: [UInt8], boundary: String) {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Part] = []
        guard var start = Self.find(delimiter, in: body, from: 0) else { return nil }
        start += delimiter.count
        while start + 2 <= body.count {
            if body[start] == UInt8(ascii: "-") && body[start + 1] == UInt8(ascii: "-") { break }  // the closing delimiter
            guard body[start] == 13 && body[start + 1] == 10, let headerEnd = Self.find([13, 10, 13, 10], in: body, from: start + 2),
                  let next = Self.find([13, 10] + delimiter, in: body, from: headerEnd + 4) else { return nil }
            let headers = String(decoding: body[(start + 2)..<headerEnd], as: UTF8.self)
            guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }),
                  let name = Self.parameter("name", in: String(disposition)) else { return nil }
            parts.append(Part(name: name, filename: Self.parameter("filename", in: String(disposition)), body: Array(body[(headerEnd + 4)..<next])))
            start = next + 2 + delimiter.count
        }
        self.parts = parts
    }

    static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.trimmingCharacters(in: .whitespaces)
            guard pair.lowercased().hasPrefix(key + "=") else { continue }
            var value = pair.dropFirst(key.count + 1)
            if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 { value = value.dropFirst().dropLast() }
            return String(value)
        }
        return nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
