/// `application/x-www-form-urlencoded`, decoded strictly: a bad escape or invalid UTF-8 is an
/// error, not a guess.
public struct FormBody: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    /// Every name and value in order, repeats included (a form's checkboxes).
    public var fields: [Field]

    public init(parsing bytes: [UInt8]) throws(CallbackError) {
        var fields: [Field] = []
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.endIndex
            if end > start {
                let pair = bytes[start..<end]
                if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                    fields.append(Field(name: try Self.decode(pair[..<equals]), value: try Self.decode(pair[(equals + 1)...])))
                } else {
                    fields.append(Field(name: try Self.decode(pair), value: ""))
                }
            }
            start = end + 1
        }
        self.fields = fields
    }

    /// The first value given for `name`.
    public subscript(_ name: String) -> String? { fields.first { $0.name == name }?.value }

    /// All values given for `name`, in order.
    public func values(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }

    static func decode(_ raw: ArraySlice<UInt8>) throws(CallbackError) -> String {
        if !raw.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            // Nothing escaped (most names and many values): the bytes are the text.
            guard let s = raw.withUnsafeBufferPointer(text) else { throw .invalidUTF8 }
            return s
        }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i != raw.endIndex {
            let b = raw[i]
            if b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%") {
                let h = raw.index(after: i)
                guard h != raw.endIndex, raw.index(after: h) != raw.endIndex,
                      let hi = hex(raw[h]), let lo = hex(raw[raw.index(after: h)]) else { throw .badEscape }
                out.append(hi << 4 | lo)
                i = raw.index(after: h)
            } else {
                out.append(b)
            }
            i = raw.index(after: i)
        }
        guard let s = out.withUnsafeBufferPointer(text) else { throw .invalidUTF8 }
        return s
    }

    /// The bytes as text, or nil if they are not UTF-8. ASCII (almost every field an aggregator
    /// sends) is valid UTF-8 as it stands and skips the validating decoder.
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Why a provider's request could not be read.
public enum CallbackError: Error, Equatable, Sendable {
    case badEscape
    case invalidUTF8
    case missingField(String)
    case invalidPhoneNumber
    case tooLong(String)
    case malformed(String)
    /// A delivery report whose signature is missing or does not match.
    case badSignature
}
