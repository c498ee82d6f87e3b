import Domain
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// TruTeq TruRoute-USSD XML: only the latest input arrives, with an event type.
@Suite struct TruTeqTests {
    static let xmlHeaders: HTTPFields = [.contentType: "text/xml"]

    static func request(_ session: String, _ type: Int, _ msg: String, msisdn: String = "27821234567") -> ByteBuffer {
        ByteBuffer(string: "<ussd><msisdn>\(msisdn)</msisdn><sessionid>\(session)</sessionid><type>\(type)</type><msg>\(msg)</msg></ussd>")
    }

    func send(_ client: some TestClientProtocol, _ body: ByteBuffer) async throws -> (HTTPResponse.Status, String) {
        let r = try await client.execute(uri: "/ussd/truteq", method: .post, headers: Self.xmlHeaders, body: body)
        return (r.status, String(buffer: r.body))
    }

    @Test func aWholeReportWithNewAndResponseEvents() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            let (status, first) = try await send(client, Self.request("tt-1", 1, "*120*1234#"))
            #expect(status == .ok)
            #expect(first.hasPrefix("<ussd><type>2</type><msg>Language / Ulimi / Taal:\n1 English"))
            for input in ["1", "1", "1", "1", "1"] { _ = try await send(client, Self.request("tt-1", 2, input)) }
            // Free text with * and #, and XML that must be escaped both ways.
            let (_, confirm) = try await send(client, Self.request("tt-1", 2, "Stand 5 * Unit &amp; #2"))
            #expect(confirm.contains("Stand 5 * Unit &amp; #2"))
            let (_, done) = try await send(client, Self.request("tt-1", 2, "1"))
            #expect(done.hasPrefix("<ussd><type>3</type><msg>Thank you. Your reference is "))
            let reference = try Reference(parsing: referenceDigits(done))
            #expect(try await world.tickets.address(of: reference) == "Stand 5 * Unit & #2")
        }
    }

    @Test(arguments: [3, 4])
    func aReleaseOrTimeoutKeepsTheReportForResumption(type: Int) async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            _ = try await send(client, Self.request("tt-2", 1, "*120*1234#"))
            for input in ["1", "1", "2"] { _ = try await send(client, Self.request("tt-2", 2, input)) }
            let (status, _) = try await send(client, Self.request("tt-2", type, ""))
            #expect(status == .ok)
            let (_, offer) = try await send(client, Self.request("tt-3", 1, "*120*1234#"))
            #expect(offer == "<ussd><type>2</type><msg>You have an unfinished report.\n1 Continue\n2 Start again</msg></ussd>")
            let (_, resumed) = try await send(client, Self.request("tt-3", 2, "1"))
            #expect(resumed.contains("What is the problem?") && resumed.contains("No power"))
        }
    }

    @Test func malformedXMLGetsA400NeverA5xx() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            let bodies = [
                "", "not xml", "<ussd>", "<ussd><msisdn>27821234567</msisdn></ussd>", "<other><sessionid>1</sessionid></other>",
                "<ussd><msisdn>27821234567</msisdn><sessionid>s</sessionid><type>9</type><msg></msg></ussd>",
                "<ussd><msisdn>abc</msisdn><sessionid>s</sessionid><type>1</type><msg></msg></ussd>",
                "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><ussd><msisdn>27821234567</msisdn><sessionid>s</sessionid><type>2</type><msg>&e;</msg></ussd>",
                "<ussd><msisdn>27821234567</msisdn><sessionid>s</sessionid><type>2</type><msg><b>1</b></msg></ussd>",
                // `<!DOCTYPE` spelt in UTF-7, where the text filter cannot see it.
                "<?xml version=\"1.0\" encoding=\"UTF-7\"?>+ADw-!DOCTYPE x +AFs-+ADw-!ENTITY e SYSTEM +ACI-file:///etc/passwd+ACI-+AD4-+AF0-+AD4-"
                    + "<ussd><msisdn>27821234567</msisdn><sessionid>s</sessionid><type>2</type><msg>&e;</msg></ussd>",
                "<?xml version='1.0' encoding='utf-16'?><ussd><msisdn>27821234567</msisdn><sessionid>s</sessionid><type>2</type><msg>1</msg></ussd>",
                " <?xml version=\"1.0\" encoding = \"ISO-8859-1\" ?><ussd><msisdn>27821234567</msisdn><sessionid>s</sessionid><type>2</type><msg>1</msg></ussd>",
            ]
            for body in bodies {
                let (status, text) = try await send(client, ByteBuffer(string: body))
                #expect(status == .badRequest, "\(body) -> \(status)")
                #expect(!text.contains("root:"))
            }
            let (status, _) = try await send(client, ByteBuffer(bytes: [0x3C, 0x75, 0xFF, 0xFE]))
            #expect(status == .badRequest)
            // UTF-8 declared in any of its spellings is read as before.
            let declared = "<?xml version=\"1.0\" encoding=\"utf-8\"?>" + String(buffer: Self.request("declared", 1, "*120*1234#"))
            #expect(try await send(client, ByteBuffer(string: declared)).0 == .ok)
        }
    }

    @Test func aResponseForAnUnknownSessionEndsPolitely() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            let (status, text) = try await send(client, Self.request("never-seen", 2, "1"))
            #expect(status == .ok)
            #expect(text.hasPrefix("<ussd><type>3</type><msg>Sorry"))
        }
    }
}
