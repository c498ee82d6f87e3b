import Domain
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import Web

/// Crews where dispatchers and MOE systems meet them: the crews page, giving a ticket to a crew
/// from its page and from the queue, and `POST /api/v1/tickets/{reference}/assign`.
@Suite struct CrewConsoleTests {
    func crews(_ world: TestGateway) -> CrewDesk {
        CrewDesk(roster: world.staff, ledger: world.staff, engine: world.gateway.engine, clock: world.clock)
    }

    @Test func aSupervisorAddsACrewAndADispatcherGivesItTicketsAndSeesItsWork() async throws {
        let world = try TestGateway()
        try await world.user("nandi", moe: "water", role: .supervisor)
        try await world.user("thandi", moe: "water")
        try await world.user("sipho", moe: "roads")
        let leak = try await world.report("water", "leak", address: "4 <b>Main</b> Rd")
        let burst = try await world.report("water", "burst_pipe")
        try await makeApp(world).test(.router) { client in
            let supervisor = ConsoleBrowser(client)
            try await supervisor.signIn("nandi", TestGateway.password)
            var page = try await supervisor.get("/console/crews").body
            #expect(page.contains("No crews yet.") && page.contains("Add a crew"))
            // Without the page's CSRF token: nothing.
            let forged = try await supervisor.post("/console/crews", [("name", "Pipe Team A"), ("phones", "0825550001")], csrf: "forged")
            #expect(forged.status != .seeOther)
            try await supervisor.get("/console/crews")
            let bad = try await supervisor.post("/console/crews", [("name", "Pipe Team A"), ("phones", "12"), ("language", "en")])
            #expect(bad.status == .unprocessableContent && bad.body.contains("Not a South African mobile number"))
            try await supervisor.get("/console/crews")
            let added = try await supervisor.post("/console/crews", [("name", "Pipe Team A"), ("phones", "0825550001, 0825550002"), ("language", "zu"),
                                                                    ("service", "water"), ("area", "")])
            #expect(added.status == .seeOther)
            page = try await supervisor.get("/console/crews").body
            #expect(page.contains("Pipe Team A") && !page.contains("0825550001") && !page.contains("+27825550001"), "numbers masked")

            // A dispatcher cannot add or remove crews, but gives tickets to them.
            let dispatcher = ConsoleBrowser(client)
            try await dispatcher.signIn("thandi", TestGateway.password)
            let queue = try await dispatcher.get("/console/").body
            #expect(queue.contains(#"<option value="Pipe Team A">Pipe Team A</option>"#))
            #expect(try await dispatcher.post("/console/crews", [("name", "Mine"), ("phones", "0825550009")]).status == .notFound)
            let ticket = try await dispatcher.get("/console/tickets/\(leak.digits)").body
            #expect(ticket.contains("Give to crew") && ticket.contains("Pipe Team A (0 open)"))
            let given = try await dispatcher.post("/console/tickets/\(leak.digits)/assign-crew", [("crew", "Pipe Team A")])
            #expect(given.status == .seeOther && given.location == "/console/tickets/\(leak.digits)?done=assign-crew")
            #expect(try await world.staff.ticket(leak, moe: "water")?.crew == "Pipe Team A")
            let card = try #require(try await world.sms(to: "+27825550001").last)
            #expect(card.contains(leak.grouped) && card.contains("Main"))
            // From the queue, several at once.
            try await dispatcher.get("/console/")
            let bulk = try await dispatcher.post("/console/bulk", [("ref", leak.digits), ("ref", burst.digits), ("action", "assign-crew"), ("crew", "Pipe Team A")])
            #expect(bulk.status == .seeOther && bulk.location?.hasSuffix("done=bulk-1") == true, "the leak already had this crew")
            #expect(try await world.staff.ticket(burst, moe: "water")?.crew == "Pipe Team A")
            page = try await dispatcher.get("/console/crews").body
            #expect(page.contains("<td>2</td>") && !page.contains("Remove crew"))
            // Its timeline on the ticket page.
            _ = await world.sms.handle(InboundSMS(provider: "test", providerID: nil, from: MSISDN("0825550001")!, to: nil, text: "NGIKHONA \(leak.digits)"))
            let timeline = try await dispatcher.get("/console/tickets/\(leak.digits)").body
            #expect(timeline.contains("Crew on site") && timeline.contains("4 &lt;b&gt;Main&lt;/b&gt; Rd"))

            // Another MOE's dispatcher: neither the crew nor the ticket exists for them.
            let other = ConsoleBrowser(client)
            try await other.signIn("sipho", TestGateway.password)
            try await other.get("/console/")
            #expect(try await other.post("/console/tickets/\(burst.digits)/assign-crew", [("crew", "Pipe Team A")]).status == .notFound)
            #expect(try await other.get("/console/crews").body.contains("No crews yet."))

            // The supervisor removes the crew: its open jobs go back to the queue.
            try await supervisor.get("/console/crews")
            let removed = try await supervisor.post("/console/crews/remove", [("name", "Pipe Team A"), ("moe", "water")])
            #expect(removed.status == .seeOther)
            #expect(try await world.staff.ticket(burst, moe: "water")?.crew == nil)
            #expect(try await world.staff.ticket(burst, moe: "water")?.status == .acknowledged)
        }
    }

    @Test func anMOESystemAssignsACrewThroughTheAPI() async throws {
        let world = try TestGateway()
        let leak = try await world.report("water", "leak")
        _ = try await crews(world).add(name: "Pipe Team A", moe: "water", phones: ["0825550001"], language: "en", actor: "t").get()
        _ = try await crews(world).add(name: "Potholes", moe: "roads", phones: ["0825550003"], language: "en", actor: "t").get()
        let token = try await world.staff.addToken(moe: "water", at: world.clock.now())
        let roads = try await world.staff.addToken(moe: "roads", at: world.clock.now())
        try await makeApp(world).test(.router) { client in
            func call(_ uri: String, _ token: String, json: String) async throws -> (HTTPResponse.Status, [String: Any]) {
                let r = try await client.execute(uri: uri, method: .post, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                                 body: ByteBuffer(string: json))
                return (r.status, ((try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any]) ?? [:])
            }
            let uri = "/api/v1/tickets/\(leak.digits)/assign"
            // Unknown, or another MOE's crew: 404 naming it; no token: 401; no crew: 400.
            let unknown = try await call(uri, token, json: #"{"crew":"Nobody"}"#)
            #expect(unknown.0 == .notFound && "\(unknown.1)".contains("Nobody"))
            #expect(try await call(uri, token, json: #"{"crew":"Potholes"}"#).0 == .notFound)
            #expect(try await call(uri, "nope", json: #"{"crew":"Pipe Team A"}"#).0 == .unauthorized)
            #expect(try await call(uri, token, json: #"{"team":"Pipe Team A"}"#).0 == .badRequest)
            #expect(try await call(uri, roads, json: #"{"crew":"Potholes"}"#).0 == .notFound, "another MOE's ticket")
            #expect(try await world.sms(to: "+27825550001").isEmpty)

            let done = try await call(uri, token, json: #"{"crew":"Pipe Team A"}"#)
            #expect(done.0 == .ok && done.1["crew"] as? String == "Pipe Team A" && done.1["status"] as? String == "assigned")
            #expect(try await world.sms(to: "+27825550001").count == 1)
            #expect(try await call(uri, token, json: #"{"crew":"Pipe Team A"}"#).0 == .conflict)
            #expect(try await world.staff.auditEntries(scope: "water", limit: 5, offset: 0).contains { $0.actor == "api:water" && $0.detail == "to crew Pipe Team A" })
        }
    }
}
