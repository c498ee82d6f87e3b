import Channels
import Domain
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Store
import TestSupport
import Testing
@testable import Web
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An XML document read back with Foundation's XMLParser (libxml2): each element's name, text and children.
final class XMLTree: NSObject, XMLParserDelegate {
    final class Node {
        let name: String
        var text = ""
        var children: [Node] = []
        init(_ name: String) { self.name = name }
        func child(_ name: String) -> Node? { children.first { $0.name == name } }
    }

    private var stack: [Node] = []
    private(set) var root: Node?

    static func parse(_ text: String) -> Node? {
        let tree = XMLTree()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = tree
        return parser.parse() ? tree.root : nil
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        let node = Node(name)
        stack.last?.children.append(node)
        if stack.isEmpty { root = node }
        stack.append(node)
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last?.text += string }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { _ = stack.popLast() }
}

/// Open311 in XML as the specification and FixMyStreet speak it, field by field the same as its JSON;
/// reports placed by a point; FixMyStreet's updates both ways; what a front end says of the person.
@Suite struct Open311XMLTests {
    /// The JSON value and the XML element say the same: every key of an object is a child with the
    /// same content, a list's items are the element's children in order.
    static func same(_ json: Open311XML.Value, _ xml: XMLTree.Node, at path: String = "") -> [String] {
        switch json {
        case .object(let object):
            var problems: [String] = []
            for (key, value) in object {
                if case .null = value { continue }
                guard let child = xml.child(key) else { problems.append("\(path)/\(key): missing in XML"); continue }
                problems += same(value, child, at: "\(path)/\(key)")
            }
            let extra = Set(xml.children.map(\.name)).subtracting(object.keys)
            if !extra.isEmpty { problems.append("\(path): XML has \(extra.sorted()) that JSON has not") }
            return problems
        case .list(let list):
            guard list.count == xml.children.count else { return ["\(path): \(list.count) items in JSON, \(xml.children.count) in XML"] }
            return zip(list, xml.children).enumerated().flatMap { same($0.element.0, $0.element.1, at: "\(path)[\($0.offset)]") }
        case .number(let n):
            return Double(xml.text) == n ? [] : ["\(path): JSON \(n), XML '\(xml.text)'"]
        case .bool(let b):
            return xml.text == (b ? "true" : "false") ? [] : ["\(path): JSON \(b), XML '\(xml.text)'"]
        case .string(let text):
            return xml.text == text ? [] : ["\(path): JSON '\(text)', XML '\(xml.text)'"]
        case .null:
            return []
        }
    }

    /// GETs a path in both formats and compares them.
    static func bothFormats(_ client: some TestClientProtocol, _ path: String, root: String, status: HTTPResponse.Status = .ok,
                            sourceLocation: SourceLocation = #_sourceLocation) async throws -> (Open311XML.Value, XMLTree.Node) {
        let json = try await client.execute(uri: path.replacingOccurrences(of: ".FMT", with: ".json"), method: .get)
        let xml = try await client.execute(uri: path.replacingOccurrences(of: ".FMT", with: ".xml"), method: .get)
        #expect(json.status == status && xml.status == status, "\(path)", sourceLocation: sourceLocation)
        #expect(xml.headers[.contentType] == "text/xml; charset=utf-8", sourceLocation: sourceLocation)
        let text = String(buffer: xml.body)
        #expect(text.hasPrefix(#"<?xml version="1.0" encoding="utf-8"?>"#), sourceLocation: sourceLocation)
        let tree = try #require(XMLTree.parse(text), "\(path): \(text)", sourceLocation: sourceLocation)
        #expect(tree.name == root, sourceLocation: sourceLocation)
        let value = try JSONDecoder().decode(Open311XML.Value.self, from: Data(buffer: json.body))
        let problems = same(value, tree)
        #expect(problems.isEmpty, "\(path): \(problems.prefix(5))", sourceLocation: sourceLocation)
        return (value, tree)
    }

    static func post(_ client: some TestClientProtocol, _ path: String, _ fields: [(String, String)]) async throws -> (HTTPResponse.Status, String) {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        let r = try await client.execute(uri: path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body))
        return (r.status, String(buffer: r.body))
    }

    @Test func everyEndpointSpeaksXMLFieldByFieldAsItsJSON() async throws {
        let world = try TestGateway()
        let key = try await world.organisations.add(name: "FixMyStreet Joburg", at: world.clock.now()).key
        try await makeApp(world).test(.router) { client in
            // A report placed by a point only, with an ampersand and angle brackets in its words.
            let (status, created) = try await Self.post(client, "/open311/v2/requests.xml", [
                ("api_key", key), ("service_code", "water.burst_pipe"), ("lat", "-26.25"), ("long", "27.88"),
                ("description", "Water <everywhere> & \"gushing\" 'now'"), ("email", "nomsa@example.org"), ("first_name", "Nomsa"), ("last_name", "Dube")])
            #expect(status == .ok, "\(created)")
            let reply = try #require(XMLTree.parse(created))
            #expect(reply.name == "service_requests" && reply.children.first?.name == "request")
            let id = try #require(reply.children.first?.child("service_request_id")?.text)
            #expect(reply.children.first?.child("service_notice") != nil)

            _ = try await Self.bothFormats(client, "/open311/v2/discovery.FMT", root: "discovery")
            let (_, services) = try await Self.bothFormats(client, "/open311/v2/services.FMT", root: "services")
            #expect(services.children.first?.name == "service" && services.children.first?.child("metadata")?.text == "true")
            let (_, definition) = try await Self.bothFormats(client, "/open311/v2/services/water.burst_pipe.FMT", root: "service_definition")
            #expect(definition.child("attributes")?.children.first?.child("values")?.children.first?.name == "value")
            let (_, list) = try await Self.bothFormats(client, "/open311/v2/requests.FMT?status=open", root: "service_requests")
            let request = try #require(list.children.first { $0.child("service_request_id")?.text == id })
            #expect(request.child("description")?.text == "Water <everywhere> & \"gushing\" 'now'", "escaped and read back exactly")
            #expect(request.child("lat")?.text == "-26.25" && request.child("long")?.text == "27.88")
            #expect(request.child("requested_datetime")?.text.hasSuffix("+02:00") == true)
            let (_, one) = try await Self.bothFormats(client, "/open311/v2/requests/\(id).FMT", root: "service_requests")
            #expect(one.children.count == 1)
            let text = String(buffer: try await client.execute(uri: "/open311/v2/requests/\(id).xml", method: .get).body)
            for personal in ["nomsa@example.org", "Nomsa", "Dube"] { #expect(!text.contains(personal), "no \(personal) in public output") }

            // Errors in the spec's shape, in both formats, with their HTTP status.
            let (_, missing) = try await Self.bothFormats(client, "/open311/v2/services/water.gold_leak.FMT", root: "errors", status: .notFound)
            #expect(missing.children.first?.name == "error" && missing.children.first?.child("code")?.text == "404")
            let (_, badDate) = try await Self.bothFormats(client, "/open311/v2/requests.FMT?start_date=yesterday", root: "errors", status: .badRequest)
            #expect(badDate.children.first?.child("description")?.text.contains("start_date") == true)
            _ = try await Self.bothFormats(client, "/open311/v2/requests/999999999.FMT", root: "errors", status: .notFound)
            let (forbidden, denied) = try await Self.post(client, "/open311/v2/requests.xml", [("api_key", "wrong"), ("service_code", "water.burst_pipe")])
            #expect(forbidden == .forbidden && XMLTree.parse(denied)?.child("error")?.child("code")?.text == "403")
            let (noPlace, where_) = try await Self.post(client, "/open311/v2/requests.xml", [("api_key", key), ("service_code", "water.burst_pipe"), ("lat", "-26.2")])
            #expect(noPlace == .badRequest && where_.contains("lat and long"))
            #expect(try await client.execute(uri: "/open311/v2/services.yaml", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/open311/v2/services/water.burst_pipe.yaml", method: .get).status == .badRequest)
        }
    }

    @Test func aJurisdictionIsCheckedWhenOneIsConfigured() async throws {
        let world = try TestGateway()
        var configuration = WebConfiguration(port: 0)
        configuration.open311Jurisdiction = "joburg.gov.za"
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = Application(router: WebApp.router(world.web, configuration: configuration, logger: logger))
        try await app.test(.router) { client in
            #expect(try await client.execute(uri: "/open311/v2/services.xml?jurisdiction_id=joburg.gov.za", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/open311/v2/services.xml", method: .get).status == .ok, "one jurisdiction: it may be left out")
            let other = try await client.execute(uri: "/open311/v2/services.xml?jurisdiction_id=tshwane.gov.za", method: .get)
            #expect(other.status == .notFound && String(buffer: other.body).contains("<code>404</code>"))
        }
    }

    @Test(arguments: [
        (-26.25, 27.88, "soweto", "water-south", "inside Soweto"),
        (-26.25, 27.83, "soweto", "water-south", "on Soweto's western edge"),
        (-26.10, 28.10, "alexandra", "water-north", "inside Alexandra"),
        (-25.50, 28.50, "unknown", "triage", "outside every area"),
    ])
    func aReportWithOnlyAPointIsRoutedByTheAreaThatHoldsIt(_ lat: Double, _ long: Double, _ area: String, _ queue: String, _ what: String) async throws {
        let world = try TestGateway()
        let key = try await world.organisations.add(name: "Map app", at: world.clock.now()).key
        try await makeApp(world).test(.router) { client in
            let (status, body) = try await Self.post(client, "/open311/v2/requests.json", [
                ("api_key", key), ("service_code", "water.leak"), ("lat", "\(lat)"), ("long", "\(long)")])
            #expect(status == .ok, "\(body)")
            let reply = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]])
            let reference = try Reference(parsing: try #require(reply.first?["service_request_id"] as? String))
            let ticket = try #require(try await world.staff.ticket(reference, moe: nil))
            let triage = world.gateway.engine.catalogue.routing.triage
            #expect(ticket.area == area, "\(what)")
            #expect(queue == "triage" ? (ticket.moe, ticket.queue) == (triage.moe, triage.queue) : ticket.queue == queue, "\(what): \(ticket.moe)/\(ticket.queue)")
            let (_, one) = try await Self.bothFormats(client, "/open311/v2/requests/\(reference.digits).FMT", root: "service_requests")
            #expect(one.children.first?.child("lat")?.text == "\(lat)" && one.children.first?.child("long")?.text == "\(long)", "the point is kept")
        }
    }

    @Test func fixMyStreetReadsPublicUpdatesAndSendsResidentsUpdates() async throws {
        let world = try TestGateway()
        let key = try await world.organisations.add(name: "FixMyStreet Joburg", at: world.clock.now()).key
        let start = world.clock.now()
        try await makeApp(world).test(.router) { client in
            let (_, created) = try await Self.post(client, "/open311/v2/requests.xml", [
                ("api_key", key), ("service_code", "roads.pothole"), ("address_string", "Corner of Main and 5th"), ("address_id", "ADDR-77"),
                ("email", "pieter@example.org"), ("first_name", "Pieter"), ("last_name", "Botha"), ("media_url", "https://fms.example/p/1.jpeg"),
                ("attribute[fms_extra_title]", "Mr")])
            let id = try #require(XMLTree.parse(created)?.children.first?.child("service_request_id")?.text)
            let reference = try Reference(parsing: id)
            world.clock.advance(60)
            #expect(try await world.staff.perform(.acknowledge, on: reference, scope: nil, actor: "thandi", at: world.clock.now(),
                                                  notice: world.gateway.engine.noticeWording) == .done)
            world.clock.advance(60)
            try await world.update(reference, to: .inProgress, internalNote: "crew 7 says Tuesday")
            world.clock.advance(60)
            #expect(try await world.staff.perform(.reroute(moe: "roads", queue: "roads", reason: "check"), on: reference, scope: nil, actor: "thandi",
                                                  at: world.clock.now(), notice: world.gateway.engine.noticeWording) != .notFound)
            world.clock.advance(60)
            try await world.update(reference, to: .resolved, publicUpdate: "Filled on Tuesday")
            world.clock.advance(60)

            let window = "start_date=\(Open311Dates.format(start, in: .gmt))&end_date=\(Open311Dates.format(world.clock.now(), in: .gmt))"
                .replacingOccurrences(of: "+", with: "%2B")
            let (_, updates) = try await Self.bothFormats(client, "/open311/v2/servicerequestupdates.FMT?\(window)&api_key=\(key)",
                                                         root: "service_request_updates")
            let mine = updates.children.filter { $0.child("service_request_id")?.text == id }
            #expect(mine.map { $0.child("status")?.text ?? "" } == ["INVESTIGATING", "FIXED"], "public changes only: no internal note, no re-route")
            #expect(mine.last?.child("description")?.text == "Filled on Tuesday" && mine.allSatisfy { $0.name == "request_update" })
            #expect(mine.allSatisfy { ($0.child("update_id")?.text.isEmpty ?? true) == false && $0.child("updated_datetime") != nil })
            let earlier = try await client.execute(uri: "/open311/v2/servicerequestupdates.xml?start_date=2020-01-01T00:00:00Z&end_date=2020-01-02T00:00:00Z",
                                                   method: .get)
            #expect(XMLTree.parse(String(buffer: earlier.body))?.children.isEmpty == true)

            // The resident says it is not fixed: the dispatcher reads it, and the ticket is back at work.
            let (posted, answer) = try await Self.post(client, "/open311/v2/servicerequestupdates.xml", [
                ("api_key", key), ("service_request_id", id), ("status", "OPEN"), ("description", "Still a hole <here>"),
                ("updated_datetime", "2026-11-30T10:00:00+02:00"), ("update_id", "fms-991"), ("email", "pieter@example.org")])
            #expect(posted == .ok, "\(answer)")
            #expect(XMLTree.parse(answer)?.child("request_update")?.child("update_id")?.text.hasPrefix(id) == true)
            let file = try #require(try await world.staff.file(reference, scope: nil))
            #expect(file.ticket.status == .acknowledged)
            #expect(file.history.last?.kind == .residentUpdate && file.history.last?.note == "Still a hole <here>" && file.history.last?.isPublic == false)
            let (other, _) = try await Self.post(client, "/open311/v2/servicerequestupdates.xml", [("api_key", key), ("service_request_id", "999999999"),
                                                                                                 ("description", "x")])
            #expect(other == .notFound)
            let otherKey = try await world.organisations.add(name: "Someone else", at: world.clock.now()).key
            #expect(try await Self.post(client, "/open311/v2/servicerequestupdates.xml", [("api_key", otherKey), ("service_request_id", id),
                                                                                         ("description", "x")]).0 == .notFound, "not their report")
            #expect(try await Self.post(client, "/open311/v2/servicerequestupdates.xml", [("api_key", "wrong"), ("service_request_id", id)]).0 == .forbidden)

            // The person's details are kept for the dispatcher, masked until "Show number".
            #expect(file.details?.email == "pieter@example.org" && file.details?.media_url == "https://fms.example/p/1.jpeg"
                    && file.details?.attributes == ["fms_extra_title": "Mr"])
            try await world.user("thandi", moe: "roads")
            let thandi = ConsoleBrowser(client)
            try await thandi.signIn("thandi", TestGateway.password)
            let page = try await thandi.get("/console/tickets/\(id)")
            #expect(page.body.contains("P. B., p***@example.org, a photo") && !page.body.contains("pieter@example.org") && page.body.contains("ADDR-77"))
            let shown = try await thandi.post("/console/tickets/\(id)/show-number", [])
            #expect(shown.body.contains("Pieter Botha, pieter@example.org, https://fms.example/p/1.jpeg"))
            #expect(try await world.staff.auditEntries(scope: nil, limit: 5, offset: 0).first?.action.rawValue == "show number")
        }
    }

    @Test func xmlTextEscapesEveryMarkupCharacterAndDropsWhatXMLCannotCarry() {
        #expect(XMLText.escape("a & b < c > d \" e ' f") == "a &amp; b &lt; c &gt; d &quot; e &apos; f")
        #expect(XMLText.escape("tab\tline\ncr\r") == "tab\tline\ncr\r")
        #expect(XMLText.escape("bell\u{7}nul\u{0}esc\u{1B}") == "bellnulesc")
        #expect(XMLText.escape("\u{FFFE}\u{FFFF}ok") == "ok")
        #expect(XMLText.escape("isiZulu: Ngiyabonga, Afrikaans: dankie, é ñ 漢字 🚰") == "isiZulu: Ngiyabonga, Afrikaans: dankie, é ñ 漢字 🚰")
        #expect(XMLText.escape("]]><!--") == "]]&gt;&lt;!--")
        #expect(XMLText.isName("service_request_id") && !XMLText.isName("bad name") && !XMLText.isName("1st") && !XMLText.isName("<x>"))
        let document = Open311XML.document(Data(#"[{"a":"<&>","b":true,"c":1.5,"d":2,"e":null,"values":[{"key":"x"}]}]"#.utf8), root: "services")
        let tree = XMLTree.parse(document)
        #expect(tree?.child("service")?.child("a")?.text == "<&>" && tree?.child("service")?.child("b")?.text == "true")
        #expect(tree?.child("service")?.child("c")?.text == "1.5" && tree?.child("service")?.child("d")?.text == "2" && tree?.child("service")?.child("e") == nil)
        #expect(tree?.child("service")?.child("values")?.child("value")?.child("key")?.text == "x")
    }

    @Test func pointsOnEdgesInHolesAndOutsideEveryArea() {
        func p(_ lat: Double, _ long: Double) -> GeoPoint { GeoPoint(lat: lat, long: long)! }
        let square = [p(0, 0), p(0, 10), p(10, 10), p(10, 0), p(0, 0)]
        let hole = [p(4, 4), p(4, 6), p(6, 6), p(6, 4), p(4, 4)]
        let boundaries = AreaBoundaries(shapes: [.init(area: "ring", polygons: [[square, hole]]), .init(area: "next", polygons: [[
            [p(0, 10), p(0, 20), p(10, 20), p(10, 10), p(0, 10)]]])])
        #expect(boundaries.area(containing: p(2, 2)) == "ring")
        #expect(boundaries.area(containing: p(5, 5)) == nil, "in the hole")
        #expect(boundaries.area(containing: p(4, 5)) == "ring", "on the hole's edge")
        #expect(boundaries.area(containing: p(0, 5)) == "ring", "on the outer edge")
        #expect(boundaries.area(containing: p(10, 10)) == "ring", "a shared corner: the first area")
        #expect(boundaries.area(containing: p(5, 15)) == "next")
        #expect(boundaries.area(containing: p(-1, 5)) == nil && boundaries.area(containing: p(5, 25)) == nil)
        #expect(GeoPoint(lat: 91, long: 0) == nil && GeoPoint(lat: .nan, long: 0) == nil && GeoPoint(lat: 0, long: -181) == nil)
    }
}
