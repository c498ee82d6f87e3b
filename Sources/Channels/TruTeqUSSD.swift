import Domain
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Gateway

/// TruTeq TruRoute-USSD: `<ussd><msisdn/><sessionid/><type/><msg/></ussd>` in, with type 1 new
/// request, 2 response, 3 release, 4 timeout; `<ussd><type>2|3</type><msg>..</msg></ussd>` out
/// (2 continue, 3 release). Only the latest input arrives, never the history.
public enum TruTeqUSSD {
    public static let provider = "truteq"

    public static func parse(_ body: [UInt8]) throws(CallbackError) -> UssdEvent {
        let fields = try Fields(body)
        guard let sessionID = fields["sessionid"], !sessionID.isEmpty else { throw .missingField("sessionid") }
        guard sessionID.count <= 128 else { throw .tooLong("sessionid") }
        guard let phone = fields["msisdn"], !phone.isEmpty else { throw .missingField("msisdn") }
        guard let msisdn = MSISDN(phone) else { throw .invalidPhoneNumber }
        guard let type = fields["type"].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), (1...4).contains(type) else {
            throw .missingField("type")
        }
        let msg = fields["msg"] ?? ""
        guard msg.utf8.count <= 2048 else { throw .tooLong("msg") }
        switch type {
        case 1:
            return UssdEvent(provider: provider, sessionID: sessionID, msisdn: msisdn, serviceCode: String(msg.prefix(32)), network: nil,
                             input: .latest(nil))
        case 2:
            return UssdEvent(provider: provider, sessionID: sessionID, msisdn: msisdn, serviceCode: "", network: nil, input: .latest(msg))
        default:
            return UssdEvent(provider: provider, sessionID: sessionID, msisdn: msisdn, serviceCode: "", network: nil, input: .latest(nil),
                             isClose: true)
        }
    }

    public static func render(_ reply: UssdReply) -> String {
        "<ussd><type>\(reply.isFinal ? 3 : 2)</type><msg>\(escape(reply.text))</msg></ussd>"
    }

    static func escape(_ text: String) -> String { XMLText.escape(text) }

    /// The text of each child of the `<ussd>` root. Anything else is refused: no DTDs, no
    /// entities beyond XML's own, one level deep.
    struct Fields {
        private var values: [String: String] = [:]

        init(_ body: [UInt8]) throws(CallbackError) {
            guard let text = String(validating: body, as: UTF8.self) else { throw .invalidUTF8 }
            // No DOCTYPE, entity declarations or CDATA: the protocol needs none, and refusing them
            // closes the door on entity expansion and external entities.
            guard !text.contains("<!") else { throw .malformed("declarations (<!...>) are not accepted") }
            // The parser honours a declared encoding, in which `<!DOCTYPE` can be spelt without
            // `<!` (UTF-7's `+ADw-!`): only UTF-8 and its ASCII subset are read.
            if let encoding = Self.declaredEncoding(text), !["utf-8", "utf8", "us-ascii", "ascii"].contains(encoding.lowercased()) {
                throw .malformed("encoding \(encoding.prefix(32)) is not accepted: send UTF-8")
            }
            let delegate = Collector()
            let parser = XMLParser(data: Data(body))
            parser.shouldResolveExternalEntities = false
            parser.delegate = delegate
            guard parser.parse(), delegate.valid, delegate.sawRoot else { throw .malformed(delegate.problem ?? "not TruTeq USSD XML") }
            values = delegate.values
        }

        subscript(_ name: String) -> String? { values[name] }

        /// The `encoding` of an XML declaration (`<?xml version="1.0" encoding="..."?>`) that opens the text.
        static func declaredEncoding(_ text: String) -> String? {
            var rest = Substring(text)
            if rest.first == "\u{FEFF}" { rest = rest.dropFirst() }
            rest = rest.drop { $0.isWhitespace }
            guard rest.hasPrefix("<?xml"), let end = rest.range(of: "?>") else { return nil }
            let declaration = rest[rest.index(rest.startIndex, offsetBy: 5)..<end.lowerBound]
            guard let name = declaration.range(of: "encoding") else { return nil }
            var value = declaration[name.upperBound...].drop { $0.isWhitespace }
            guard value.first == "=" else { return "" }
            value = value.dropFirst().drop { $0.isWhitespace }
            guard let quote = value.first, quote == "\"" || quote == "'" else { return String(value) }
            return String(value.dropFirst().prefix { $0 != quote })
        }
    }

    final class Collector: NSObject, XMLParserDelegate {
        var values: [String: String] = [:]
        var depth = 0
        var current: String?
        var text = ""
        var valid = true
        var sawRoot = false
        var problem: String?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            depth += 1
            if depth == 1 {
                sawRoot = name == "ussd"
                if !sawRoot { fail(parser, "root element is <\(name)>, not <ussd>") }
            } else if depth == 2 {
                current = name.lowercased()
                text = ""
            } else {
                fail(parser, "unexpected nesting in <\(current ?? "")>")
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if depth == 2 { text += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if depth == 2, let current { values[current] = text }
            depth -= 1
        }

        func parserDidStartDocument(_ parser: XMLParser) {}

        func parser(_ parser: XMLParser, parseErrorOccurred error: any Error) {
            valid = false
            problem = problem ?? "not well-formed XML"
        }

        private func fail(_ parser: XMLParser, _ message: String) {
            valid = false
            problem = message
            parser.abortParsing()
        }
    }
}
