import Domain
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import Web

/// Ticket priority where people see it: the queue and the ticket page, the MOE API, Open311.
@Suite struct PriorityTests {
    @Test func aDispatcherSeesUrgentFirstAndRaisesAndLowersItWithAReason() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        try await world.user("sipho", moe: "roads")
        let leak = try await world.report("water", "leak")
        world.clock.advance(60)
        let sewage = try await world.report("water", "sewage")
        try await makeApp(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn("thandi", TestGateway.password)
            let queue = try await browser.get("/console/").body
            let first = try #require(queue.range(of: sewage.grouped)), second = try #require(queue.range(of: leak.grouped))
            #expect(first.lowerBound < second.lowerBound, "the urgent sewage overflow comes first though it is newer")
            #expect(queue.components(separatedBy: #"<b class="urgent">Urgent</b>"#).count == 2, "one ticket marked urgent")

            var page = try await browser.get("/console/tickets/\(leak.digits)").body
            #expect(page.contains("<dt>Priority</dt><dd>Normal</dd>") && page.contains("Raise to urgent"))
            // Without a reason: refused on the page, nothing changed.
            let bare = try await browser.post("/console/tickets/\(leak.digits)/priority", [("priority", "urgent"), ("reason", " ")])
            #expect(bare.status == .unprocessableContent && bare.body.contains("Say why"))
            // Without the page's CSRF token: nothing changes either.
            let forged = try await browser.post("/console/tickets/\(leak.digits)/priority", [("priority", "urgent"), ("reason", "x")], csrf: "forged")
            #expect(forged.status != .seeOther)
            #expect(try await world.staff.ticket(leak, moe: "water")?.priority == .normal)

            try await browser.get("/console/tickets/\(leak.digits)")
            let raised = try await browser.post("/console/tickets/\(leak.digits)/priority", [("priority", "urgent"), ("reason", "clinic <next> door")])
            #expect(raised.status == .seeOther && raised.location == "/console/tickets/\(leak.digits)?done=priority")
            page = try await browser.get(raised.location!).body
            #expect(page.contains("Priority changed.") && page.contains("<dt>Priority</dt><dd>Urgent</dd>") && page.contains("Lower to normal"))
            #expect(page.contains("Priority changed</b> <q>urgent: clinic &lt;next&gt; door</q>"), "in the history, escaped")
            #expect(try await world.staff.auditEntries(scope: "water", limit: 10, offset: 0).contains {
                $0.action.rawValue == "priority urgent" && $0.actor == "thandi" && $0.reference == leak.digits
            })

            // Another MOE's dispatcher: the ticket does not exist for them.
            let other = ConsoleBrowser(client)
            try await other.signIn("sipho", TestGateway.password)
            try await other.get("/console/")
            let theirs = try await other.post("/console/tickets/\(sewage.digits)/priority", [("priority", "normal"), ("reason", "mine now")])
            #expect(theirs.status == .notFound)
            #expect(try await world.staff.ticket(sewage, moe: "water")?.priority == .urgent)
        }
    }

    @Test func theMOEApiAndOpen311ShowPriorityAndTheAPIChangesIt() async throws {
        let world = try TestGateway()
        let cable = try await world.report("electricity", "cable")
        let outage = try await world.report("electricity", "outage")
        let token = try await world.staff.addToken(moe: "electricity", at: world.clock.now())
        let water = try await world.staff.addToken(moe: "water", at: world.clock.now())
        try await makeApp(world).test(.router) { client in
            func call(_ method: HTTPRequest.Method, _ uri: String, _ token: String, json: String? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
                let r = try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                                 body: json.map { ByteBuffer(string: $0) })
                return (r.status, ((try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any]) ?? [:])
            }
            #expect(try await call(.get, "/api/v1/tickets/\(cable.digits)", token).1["priority"] as? String == "urgent")
            #expect(try await call(.get, "/api/v1/tickets/\(outage.digits)", token).1["priority"] as? String == "normal")

            let raised = try await call(.post, "/api/v1/tickets/\(outage.digits)/priority", token, json: #"{"priority":"urgent","reason":"hospital feeder"}"#)
            #expect(raised.0 == .ok && raised.1["priority"] as? String == "urgent")
            #expect(try await call(.post, "/api/v1/tickets/\(outage.digits)/priority", token, json: #"{"priority":"urgent","reason":"again"}"#).0 == .conflict)
            #expect(try await call(.post, "/api/v1/tickets/\(outage.digits)/priority", token, json: #"{"priority":"high"}"#).0 == .badRequest)
            #expect(try await call(.post, "/api/v1/tickets/\(outage.digits)/priority", water, json: #"{"priority":"normal","reason":"x"}"#).0 == .notFound)
            let list = try await call(.get, "/api/v1/tickets", token).1["tickets"] as? [[String: Any]]
            #expect(list?.allSatisfy { $0["priority"] as? String == "urgent" } == true)

            let json = try await client.execute(uri: "/open311/v2/requests/\(cable.digits).json", method: .get)
            let requests = try JSONSerialization.jsonObject(with: Data(buffer: json.body)) as? [[String: Any]]
            #expect(requests?.first?["priority"] as? String == "urgent")
            let xml = String(buffer: try await client.execute(uri: "/open311/v2/requests.xml", method: .get).body)
            #expect(xml.components(separatedBy: "<priority>urgent</priority>").count == 3, "both electricity tickets are urgent now")
        }
    }
}
