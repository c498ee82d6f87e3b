import Channels
import Foundation

/// Open311's XML: the same values as its JSON, in the element names and nesting of the GeoReport
/// v2 specification. Each reply is encoded once, as JSON, and that JSON is written as XML, so the
/// two formats cannot drift apart: an object's keys become child elements (in the JSON's sorted
/// order), a list becomes a container of elements named for what it holds, `null` is left out.
enum Open311XML {
    /// A JSON value as decoded from the JSON reply (booleans kept apart from numbers).
    enum Value: Decodable {
        case string(String), number(Double), bool(Bool), null, list([Value]), object([String: Value])

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let n = try? c.decode(Double.self) { self = .number(n) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let l = try? c.decode([Value].self) { self = .list(l) }
            else { self = .object(try c.decode([String: Value].self)) }
        }
    }

    /// What a list's elements are called, by the list's own name.
    static let itemNames = [
        "services": "service", "service_requests": "request", "attributes": "attribute", "values": "value", "endpoints": "endpoint",
        "formats": "format", "errors": "error", "service_request_updates": "request_update",
    ]

    /// `root` is the document element; a top-level list holds elements named by `itemNames[root]`.
    static func document(_ json: Data, root: String) -> String {
        var out = #"<?xml version="1.0" encoding="utf-8"?>"# + "\n"
        guard let value = try? JSONDecoder().decode(Value.self, from: json) else { return out + "<\(root)/>\n" }
        write(value, named: root, into: &out, indent: "")
        return out
    }

    static func write(_ value: Value, named name: String, into out: inout String, indent: String) {
        precondition(XMLText.isName(name), "an Open311 element name: \(name)")
        switch value {
        case .null: return
        case .string(let s): out += "\(indent)<\(name)>\(XMLText.escape(s))</\(name)>\n"
        case .bool(let b): out += "\(indent)<\(name)>\(b)</\(name)>\n"
        case .number(let n): out += "\(indent)<\(name)>\(number(n))</\(name)>\n"
        case .list(let items):
            let item = itemNames[name] ?? "item"
            out += "\(indent)<\(name)>\n"
            for v in items { write(v, named: item, into: &out, indent: indent + "  ") }
            out += "\(indent)</\(name)>\n"
        case .object(let fields):
            out += "\(indent)<\(name)>\n"
            for key in fields.keys.sorted() { write(fields[key]!, named: key, into: &out, indent: indent + "  ") }
            out += "\(indent)</\(name)>\n"
        }
    }

    /// Whole numbers without a decimal point; coordinates as Swift prints a Double (shortest exact form).
    static func number(_ n: Double) -> String {
        n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
    }
}
