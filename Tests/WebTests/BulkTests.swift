import Channels
import Domain
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@Suite struct BulkTests {
    static let header = "external_id,service_code,area,address,description,phone\n"

    func upload(_ client: some TestClientProtocol, _ csv: String, key: String?, type: String = "text/csv") async throws -> (HTTPResponse.Status, [String: Any]) {
        var headers: HTTPFields = [.contentType: type]
        if let key { headers[.authorization] = "Bearer \(key)" }
        let r = try await client.execute(uri: "/api/v1/bulk-reports", method: .post, headers: headers, body: ByteBuffer(string: csv))
        return (r.status, (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? [:])
    }

    func uploadStatus(_ client: some TestClientProtocol, _ csv: String, key: String?, type: String = "text/csv") async throws -> HTTPResponse.Status {
        try await upload(client, csv, key: key, type: type).0
    }

    func organisation(_ world: TestGateway) async throws -> String {
        try await world.organisations.add(name: "Ward 12 Committee", at: world.clock.now()).key
    }

    @Test func goodRowsGoThroughAndBadRowsAreNamedByRowAndColumn() async throws {
        let world = try TestGateway()
        let key = try await organisation(world)
        let csv = Self.header + """
            a1,water.burst_pipe,soweto,12 Vilakazi St,Burst pipe in the street,0821234567
            a2,gas.leak,Soweto,1 Main Rd,,
            a3,roads,,Corner of 5th and 7th,,not-a-phone
            a4,electricity.outage,Atlantis,x,,
            a5,waste,Alexandra,4 Long St,Bins not collected for 3 weeks,
            """
        try await makeApp(world).test(.router) { client in
            let (status, body) = try await upload(client, csv, key: key)
            #expect(status == .ok)
            #expect(body["accepted"] as? Int == 2)
            #expect(body["rejected"] as? Int == 3)
            let rows = try #require(body["rows"] as? [[String: Any]])
            #expect(rows.map { $0["row"] as? Int } == [2, 3, 4, 5, 6])
            #expect(rows[0]["reference"] is String && rows[4]["reference"] is String)
            func columns(_ i: Int) -> [String] { ((rows[i]["errors"] as? [[String: Any]]) ?? []).compactMap { $0["column"] as? String } }
            #expect(columns(1) == ["service_code"])
            #expect(columns(2) == ["phone"])
            #expect(columns(3) == ["area", "address"])
            let reference = try Reference(parsing: rows[0]["reference"] as! String)
            #expect(try await world.tickets.destination(of: reference) == Destination(moe: "water", queue: "water-south"))
        }
        #expect(try await world.tickets.count() == 2)
        #expect(try await world.tickets.outbox(for: MSISDN("+27821234567")!).count == 1)
    }

    @Test func reUploadingTheSameFileCreatesNothingNew() async throws {
        let world = try TestGateway()
        let key = try await organisation(world)
        let csv = Self.header + "r1,water.leak,Soweto,3 Long St,,\nr2,parks.fallen_tree,Randburg,Park entrance,,\n"
        try await makeApp(world).test(.router) { client in
            let (_, first) = try await upload(client, csv, key: key)
            let (_, second) = try await upload(client, csv, key: key)
            let refs = { (b: [String: Any]) in (b["rows"] as? [[String: Any]])?.compactMap { $0["reference"] as? String } }
            #expect(refs(first)?.count == 2)
            #expect(refs(first) == refs(second))
            #expect(second["accepted"] as? Int == 2)
        }
        #expect(try await world.tickets.count() == 2)
    }

    @Test func aMissingWrongOrRevokedKeyIsRefused() async throws {
        let world = try TestGateway()
        let key = try await organisation(world)
        let csv = Self.header + "k1,water.leak,Soweto,3 Long St,,\n"
        try await makeApp(world).test(.router) { client in
            do { let status = try await uploadStatus(client, csv, key: nil); #expect(status == .unauthorized) }
            do { let status = try await uploadStatus(client, csv, key: "cg_wrong"); #expect(status == .unauthorized) }
            do { let status = try await uploadStatus(client, csv, key: String(key.dropLast()) + (key.hasSuffix("x") ? "y" : "x")); #expect(status == .unauthorized) }
            #expect(try await world.organisations.revoke("Ward 12 Committee", at: world.clock.now()))
            do { let status = try await uploadStatus(client, csv, key: key); #expect(status == .unauthorized) }
        }
        #expect(try await world.tickets.count() == 0)
    }

    @Test func aBodyThatIsNotUsableCSVGetsA4xx() async throws {
        let world = try TestGateway()
        let key = try await organisation(world)
        try await makeApp(world).test(.router) { client in
            let (s1, b1) = try await upload(client, Self.header + "x1,water,\"Soweto,1 Main Rd,,\n", key: key)
            #expect(s1 == .badRequest)
            #expect((b1["error"] as? String)?.contains("row 2") == true)
            do { let status = try await uploadStatus(client, "id,service,where\n1,water,here\n", key: key); #expect(status == .badRequest) }
            do { let status = try await uploadStatus(client, "", key: key); #expect(status == .badRequest) }
            do { let status = try await uploadStatus(client, "{\"json\": true}", key: key, type: "application/json"); #expect(status == .unsupportedMediaType) }
            let binary = try await client.execute(uri: "/api/v1/bulk-reports", method: .post,
                                                  headers: [.contentType: "text/csv", .authorization: "Bearer \(key)"],
                                                  body: ByteBuffer(bytes: [0xFF, 0xFE, 0x00, 0x41]))
            #expect(binary.status == .badRequest)
        }
    }

    @Test func quotesCommasNewlinesBOMAndCRLFAllWork() throws {
        let text = "\u{FEFF}External_ID,service_code,area,address,description,phone\r\n"
            + "q1,water,Soweto,\"12 Main Rd, Flat \"\"B\"\"\",\"two\r\nlines\",\r\n\r\n"
            + "q2,roads,,plain,,0821234567"
        let table = try CSVTable(parsing: Array(text.utf8))
        #expect(table.header == ["external_id", "service_code", "area", "address", "description", "phone"])
        #expect(table.records.map(\.number) == [2, 4])
        #expect(table.records[0].fields == ["q1", "water", "Soweto", "12 Main Rd, Flat \"B\"", "two\r\nlines", ""])
        #expect(table.records[1].fields == ["q2", "roads", "", "plain", "", "0821234567"])
        #expect(throws: CSVTable.Problem.unterminatedQuote(record: 2)) { try CSVTable(parsing: Array("a,b\n\"x,y\n".utf8)) }
        #expect(throws: CSVTable.Problem.textAfterQuote(record: 1)) { try CSVTable(parsing: Array("\"a\"b,c\n".utf8)) }
    }

    @Test func twentyThousandRowsInOneUpload() async throws {
        let world = try TestGateway()
        let key = try await organisation(world)
        var csv = Self.header
        let services = ["water.leak", "electricity.streetlight", "roads.pothole", "waste.missed_collection", "parks.overgrown"]
        for i in 0..<20_000 { csv += "walk-\(i),\(services[i % 5]),\(i % 2 == 0 ? "Soweto" : ""),\(i) Ward Walk Rd,seen on the walk,\n" }
        let file = csv
        try await makeApp(world).test(.router) { client in
            let (status, body) = try await upload(client, file, key: key)
            #expect(status == .ok)
            #expect(body["accepted"] as? Int == 20_000)
            #expect(body["rejected"] as? Int == 0)
        }
        #expect(try await world.tickets.count() == 20_000)
    }

    /// Rows and bytes are bounded while the body is read: past 20,000 data rows or 16 MB the answer
    /// is a short 413 naming the limit and nothing is stored; blank lines cost nothing.
    @Test func rowsAndBytesAreBoundedAndARefusalIsShort() async throws {
        let world = try TestGateway()
        let key = try await organisation(world)
        try await makeApp(world).test(.router) { client in
            let oneCharacterRows = Self.header + String(repeating: "x\n", count: BulkReports.maxRows + 1)
            let rows = try await client.execute(uri: "/api/v1/bulk-reports", method: .post,
                                                headers: [.contentType: "text/csv", .authorization: "Bearer \(key)"], body: ByteBuffer(string: oneCharacterRows))
            #expect(rows.status == .contentTooLarge)
            #expect(rows.body.readableBytes < 300 && String(buffer: rows.body).contains("20000"), "\(String(buffer: rows.body))")

            let blank = Self.header + String(repeating: "\n", count: 3_000_000) + "b1,water.leak,soweto,1 Main Rd,,\n"
            let (status, body) = try await upload(client, blank, key: key)
            #expect(status == .ok && body["accepted"] as? Int == 1, "blank lines carry nothing and are not rows")

            let huge = String(repeating: "\n", count: BulkReports.maxBytes + 1)
            let bytes = try await client.execute(uri: "/api/v1/bulk-reports", method: .post,
                                                 headers: [.contentType: "text/csv", .authorization: "Bearer \(key)"], body: ByteBuffer(string: huge))
            #expect(bytes.status == .contentTooLarge)
            #expect(bytes.body.readableBytes < 300 && String(buffer: bytes.body).contains("16 MB"))
        }
        #expect(try await world.tickets.count() == 1)
        let exact = try CSVTable(parsing: Array((Self.header + String(repeating: "r,water.leak,soweto,1 Main Rd,,\n", count: BulkReports.maxRows)).utf8),
                                 maxRows: BulkReports.maxRows)
        #expect(exact.records.count == BulkReports.maxRows, "exactly the limit goes in")
    }

    @Test func aConfirmationToANumberThatSentStopIsSuppressed() async throws {
        let world = try TestGateway()
        let key = try await organisation(world)
        let texter = MSISDN("+27826660000")!
        await world.sms.handle(InboundSMS(provider: "kannel", providerID: "s1", from: texter, to: nil, text: "STOP"))
        try await makeApp(world).test(.router) { client in
            _ = try await upload(client, Self.header + "s1,water.leak,Soweto,3 Long St,,+27826660000\n", key: key)
        }
        _ = try await world.outbox.claimDue(limit: 10, now: world.clock.now())
        #expect(try await world.tickets.outbox(for: texter).map(\.status) == ["sending", "suppressed"])
    }

    @Test func open311PostCreatesATicketForAnOrganisation() async throws {
        let world = try TestGateway()
        let key = try await organisation(world)
        try await makeApp(world).test(.router) { client in
            func post(_ fields: KeyValuePairs<String, String>) async throws -> (status: HTTPResponse.Status, body: Any?) {
                let r = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: formHeaders, body: form(fields))
                return (r.status, try? JSONSerialization.jsonObject(with: Data(buffer: r.body)))
            }
            let (status, body) = try await post(["api_key": key, "service_code": "roads.pothole", "address_string": "Corner of 5th and 7th",
                                                 "description": "Deep pothole", "first_name": "Thandi", "last_name": "M", "attribute[area]": "soweto"])
            #expect(status == .ok)
            let id = try #require(((body as? [[String: Any]])?.first?["service_request_id"]) as? String)
            let reference = try Reference(parsing: id)
            #expect(try await world.tickets.destination(of: reference)?.moe == "roads")
            let shown = String(buffer: try await client.execute(uri: "/open311/v2/requests/\(id).json", method: .get).body)
            #expect(!shown.contains("Thandi"))
            let (latLong, _) = try await post(["api_key": key, "service_code": "water", "lat": "-26.2485", "long": "27.8540"])
            #expect(latLong == .ok)
            do { let status = try await post(["service_code": "water", "address_string": "x y z"]).status; #expect(status == .forbidden) }
            do { let status = try await post(["api_key": key, "service_code": "gas", "address_string": "1 Main Rd"]).status; #expect(status == .badRequest) }
            do { let status = try await post(["api_key": key, "service_code": "water"]).status; #expect(status == .badRequest) }
            let (bad, error) = try await post(["api_key": key, "service_code": "water", "lat": "200", "long": "0"])
            #expect(bad == .badRequest)
            #expect(((error as? [[String: Any]])?.first?["code"]) as? Int == 400)
        }
    }

    @Test func aTakenReferenceIsRedrawnAndTheConfirmationNamesTheNewOne() async throws {
        let world = try TestGateway()
        let key = try await organisation(world)
        let phone = Phone("+27821230000", gateway: world.gateway)
        await phone.dial()
        for input in ["1", "1", "1", "1", "1", "12 Vilakazi St"] { await phone.send(input) }
        let taken = try Reference(parsing: String(await phone.send("1").text.filter(\.isNumber).suffix(9)))
        world.references.queue(taken)
        try await makeApp(world).test(.router) { client in
            let (_, body) = try await upload(client, Self.header + "c1,water.leak,Soweto,3 Long St,,+27827770000\n", key: key)
            let reference = try Reference(parsing: try #require((body["rows"] as? [[String: Any]])?.first?["reference"] as? String))
            #expect(reference != taken)
            let sms = try await world.tickets.outbox(for: MSISDN("+27827770000")!).map(\.body)
            #expect(sms.count == 1 && sms[0].contains(reference.grouped) && !sms[0].contains(taken.grouped))
        }
        #expect(try await world.tickets.count() == 2)
    }
}
