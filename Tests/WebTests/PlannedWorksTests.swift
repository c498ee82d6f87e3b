import Domain
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import NIOCore
import Store
import TestSupport
import Testing
import Web

/// Planned works through the MOE API and the console, and the public feeds of planned works and
/// incidents (`.ics`, `.json`) with their filters. The test clock stands at 2026-11-18 10:53 SAST.
@Suite struct PlannedWorksTests {
    let api = MOEApiTests()

    @Test func anMOEAnnouncesMovesAndCancelsPlannedWorksThroughTheAPI() async throws {
        let world = try TestGateway()
        let water = try await world.staff.addToken(moe: "water", at: world.clock.now())
        try await makeApp(world).test(.router) { client in
            func declare(_ json: String) async throws -> (status: HTTPResponse.Status, body: [String: Any]) {
                try await api.call(client, .post, "/api/v1/incidents", token: water, json: json)
            }
            let works = try await declare("""
                {"service": "water", "areas": ["soweto"], "description": "Valve replacement: water off.", "planned": true,
                 "starts_at": "2026-11-25T09:00:00+02:00", "expected_at": "2026-11-25T15:00:00+02:00"}
                """)
            #expect(works.status == .created, "\(works.body)")
            #expect(works.body["planned"] as? Bool == true && works.body["phase"] as? String == "announced")
            #expect(works.body["starts_at"] as? String == "2026-11-25T09:00:00+02:00")
            let id = try #require(works.body["id"] as? Int)
            for (json, says) in [
                (#"{"service": "water", "areas": ["soweto"], "description": "x", "planned": true, "expected_at": "2026-11-25T15:00:00+02:00"}"#, "starts_at"),
                (#"{"service": "water", "areas": ["soweto"], "description": "x", "planned": true, "starts_at": "2026-11-25T09:00:00+02:00"}"#, "expected_at"),
                (#"{"service": "water", "areas": ["soweto"], "description": "x", "planned": true, "starts_at": "2026-11-01T09:00:00+02:00", "expected_at": "2026-11-25T15:00:00+02:00"}"#, "future"),
                (#"{"service": "water", "areas": ["soweto"], "description": "x", "planned": true, "starts_at": "2026-11-25T09:00:00+02:00", "expected_at": "2026-11-25T08:00:00+02:00"}"#, "after starts_at"),
                (#"{"service": "water", "areas": ["soweto"], "description": "x", "planned": false, "starts_at": "2026-11-25T09:00:00+02:00"}"#, "planned works only"),
                (#"{"service": "water", "areas": ["soweto"], "description": "x", "planned": true, "starts_at": "next week", "expected_at": "2026-11-25T15:00:00+02:00"}"#, "starts_at must be"),
            ] {
                let refused = try await declare(json)
                #expect(refused.status == .badRequest && (refused.body["error"] as? String)?.contains(says) == true, "\(json): \(refused.body)")
            }
            let moved = try await api.call(client, .post, "/api/v1/incidents/\(id)", token: water,
                                           json: #"{"starts_at": "2026-11-26T09:00:00+02:00", "expected_at": "2026-11-26T15:00:00+02:00"}"#)
            #expect(moved.status == .ok && moved.body["starts_at"] as? String == "2026-11-26T09:00:00+02:00", "\(moved.body)")
            let listed = try await api.call(client, .get, "/api/v1/incidents", token: water)
            #expect((listed.body["incidents"] as? [[String: Any]])?.first?["phase"] as? String == "announced")
            let cancelled = try await api.call(client, .post, "/api/v1/incidents/\(id)/close", token: water, json: #"{"description": "Not needed after all."}"#)
            #expect(cancelled.status == .ok && cancelled.body["phase"] as? String == "cancelled")
        }
    }

    @Test func theFeedsListPlannedWorksAndIncidentsWithoutPersonalDataFilteredByAreaAndService() async throws {
        let world = try TestGateway()
        let desk = IncidentDesk(store: world.staff, engine: world.gateway.engine, clock: world.clock)
        let start = world.clock.now().addingTimeInterval(3 * 86400)
        guard case .done(let works) = try await desk.declare(IncidentDraft(service: "water", areas: ["soweto", "orange_farm"],
                                                                         description: "Valve replacement; call 082 123 4567, ask for Sipho", expectedAt: start + 6 * 3600,
                                                                         startsAt: start), moe: "water", planned: true, actor: "t", address: nil),
              case .done(let fault) = try await desk.declare(IncidentDraft(service: "electricity", areas: ["midrand"], description: "Substation tripped"),
                                                             moe: "electricity", actor: "t", address: nil)
        else { Issue.record("not declared"); return }
        try await makeApp(world).test(.router) { client in
            let ics = try await client.execute(uri: "/open-data/planned-works.ics", method: .get)
            #expect(ics.status == .ok && ics.headers[.contentType]?.hasPrefix("text/calendar") == true)
            let text = String(buffer: ics.body)
            #expect(text.components(separatedBy: "BEGIN:VEVENT").count == 3)
            #expect(text.contains("UID:incident-\(works.id)@civicgate\r\n") && text.contains("UID:incident-\(fault.id)@civicgate\r\n"))
            #expect(text.contains("DTSTART:\(ICalendarText.utc(start))\r\n") && text.contains("DTEND:\(ICalendarText.utc(start + 6 * 3600))\r\n"))
            #expect(text.contains("LOCATION:Soweto\\, Orange Farm\r\n"))
            #expect(!text.contains("123 4567") && !text.contains("0821234567"), "descriptions are scrubbed")
            #expect(text.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 75 })
            let soweto = String(buffer: try await client.execute(uri: "/open-data/planned-works.ics?area=soweto", method: .get).body)
            #expect(soweto.contains("incident-\(works.id)@") && !soweto.contains("incident-\(fault.id)@"))
            let power = String(buffer: try await client.execute(uri: "/open-data/planned-works.ics?service=electricity", method: .get).body)
            #expect(!power.contains("incident-\(works.id)@") && power.contains("incident-\(fault.id)@"))
            #expect(try await client.execute(uri: "/open-data/planned-works.ics?area=atlantis", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/open-data/incidents.json?service=teleport", method: .get).status == .badRequest)

            let json = try await client.execute(uri: "/open-data/incidents.json", method: .get)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: json.body)) as? [String: Any])
            let entries = try #require(body["incidents"] as? [[String: Any]])
            #expect(entries.map { $0["id"] as? Int } == [Int(fault.id), Int(works.id)])
            #expect(entries.last?["phase"] as? String == "announced" && entries.last?["planned"] as? Bool == true)
            #expect(entries.last?["area_names"] as? [String] == ["Soweto", "Orange Farm"])
            #expect(!String(buffer: json.body).contains("4567"))
        }
    }

    @Test func theConsoleSeparatesPlannedCurrentAndPastAndShowsWhomAlertsReach() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        for n in 1...3 {
            await world.sms.handle(InboundSMS(provider: "test", providerID: nil, from: MSISDN("+2782126000\(n)")!, to: nil, text: "ALERTS Soweto"))
        }
        try await makeApp(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            _ = try await browser.signIn("thandi", TestGateway.password)
            _ = try await browser.get("/console/incidents")
            let declared = try await browser.post("/console/incidents", [
                ("service", "water"), ("area", "soweto"), ("description", "Valve <replacement>"), ("planned", "1"),
                ("starts", "2026-11-25 09:00"), ("expected", "2026-11-25 15:00"),
            ])
            #expect(declared.status == .seeOther, "\(declared.body)")
            _ = try await browser.post("/console/incidents", [("service", "water"), ("area", "alexandra"), ("description", "Main burst")])
            let page = try await browser.get("/console/incidents").body
            let planned = try #require(page.range(of: "Planned works")), current = try #require(page.range(of: "id=\"current-heading\""))
            let valve = try #require(page.range(of: "Valve &lt;replacement&gt;")), burst = try #require(page.range(of: "Main burst"))
            #expect(planned.lowerBound < valve.lowerBound && valve.lowerBound < current.lowerBound && current.lowerBound < burst.lowerBound)
            #expect(page.contains("area alerts reach 3 numbers") && page.contains("area alerts reach 0 numbers"))
            let refused = try await browser.post("/console/incidents", [("service", "water"), ("area", "soweto"), ("description", "x"), ("planned", "1"),
                                                                       ("expected", "2026-11-25 15:00")])
            #expect(refused.status == .unprocessableContent && refused.body.contains("Give the start of the planned works."))
        }
    }
}
