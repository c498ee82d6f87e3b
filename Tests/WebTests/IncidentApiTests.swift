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

/// Incidents in the MOE API: declared, updated (areas only grow), closed, listed; another MOE's
/// incident is a 404; bad input gets a 400 that says what to send; every change is audited.
@Suite struct IncidentApiTests {
    let api = MOEApiTests()

    @Test func anMOEDeclaresUpdatesExtendsAndClosesAnIncident() async throws {
        let world = try TestGateway()
        let power = try await world.staff.addToken(moe: "electricity", at: world.clock.now())
        let water = try await world.staff.addToken(moe: "water", at: world.clock.now())
        try await makeApp(world).test(.router) { client in
            let declared = try await api.call(client, .post, "/api/v1/incidents", token: power, json: """
                {"service": "electricity", "faults": ["outage"], "areas": ["soweto"], "description": "Substation tripped in Soweto.",
                 "expected_at": "2026-12-01T18:00:00+02:00"}
                """)
            #expect(declared.status == .created)
            let id = try #require(declared.body["id"] as? Int)
            #expect(declared.body["areas"] as? [String] == ["soweto"] && declared.body["status"] as? String == "open")
            #expect(declared.body["expected_at"] as? String == "2026-12-01T18:00:00+02:00")

            // Extended to Kliptown (Soweto stays even if not repeated) with a new time.
            let extended = try await api.call(client, .post, "/api/v1/incidents/\(id)", token: power, json: """
                {"areas": ["soweto", "kliptown"], "description": "Also Kliptown.", "expected_at": "2026-12-01T20:00:00+02:00"}
                """)
            #expect(extended.status == .ok)
            #expect(extended.body["areas"] as? [String] == ["soweto", "kliptown"] && extended.body["description"] as? String == "Also Kliptown.")
            let empty = try await api.call(client, .post, "/api/v1/incidents/\(id)", token: power, json: "{}")
            #expect(empty.status == .badRequest && (empty.body["error"] as? String)?.contains("nothing to change") == true)
            let shrunk = try await api.call(client, .post, "/api/v1/incidents/\(id)", token: power, json: #"{"areas": ["kliptown"]}"#)
            #expect(shrunk.status == .badRequest && (shrunk.body["error"] as? String)?.contains("only be extended") == true)

            // Another MOE sees nothing of it.
            #expect(try await api.call(client, .get, "/api/v1/incidents/\(id)", token: water).status == .notFound)
            #expect(try await api.call(client, .post, "/api/v1/incidents/\(id)/close", token: water, json: #"{"description": "x"}"#).status == .notFound)
            #expect((try await api.call(client, .get, "/api/v1/incidents", token: water).body["incidents"] as? [Any])?.isEmpty == true)
            let listed = try await api.call(client, .get, "/api/v1/incidents", token: power)
            #expect((listed.body["incidents"] as? [[String: Any]])?.map { $0["id"] as? Int } == [id])

            let closed = try await api.call(client, .post, "/api/v1/incidents/\(id)/close", token: power, json: #"{"description": "Power is back."}"#)
            #expect(closed.status == .ok && closed.body["status"] as? String == "closed")
            #expect(try await api.call(client, .post, "/api/v1/incidents/\(id)", token: power, json: #"{"description": "again"}"#).status == .conflict)
            #expect((try await api.call(client, .get, "/api/v1/incidents", token: power).body["incidents"] as? [Any])?.isEmpty == true)
            let history = try await api.call(client, .get, "/api/v1/incidents/\(id)", token: power).body["history"] as? [[String: Any]]
            #expect(history?.map { $0["kind"] as? String } == ["declared", "updated", "closed"])
            #expect(history?.last?["description"] as? String == "Power is back.")
        }
        let audit = try await world.staff.auditEntries(scope: nil, limit: 10, offset: 0).map(\.action.rawValue)
        #expect(audit.filter { $0.hasPrefix("incident") }.count == 3)
    }

    @Test func aDeclarationThatIsNotRightIsRefusedWithWhatToSend() async throws {
        let world = try TestGateway()
        let power = try await world.staff.addToken(moe: "electricity", at: world.clock.now())
        try await makeApp(world).test(.router) { client in
            let cases: [(String, String)] = [
                (#"{"service": "water", "areas": ["soweto"], "description": "x"}"#, "belongs to another MOE"),
                (#"{"service": "electricity", "areas": ["atlantis"], "description": "x"}"#, "unknown area"),
                (#"{"service": "electricity", "faults": ["leak"], "areas": ["soweto"], "description": "x"}"#, "unknown fault"),
                (#"{"service": "electricity", "areas": ["soweto"], "description": "  "}"#, "description is required"),
                (#"{"service": "electricity", "areas": [], "description": "x"}"#, "areas is required"),
                (#"{"service": "electricity", "areas": ["soweto"], "description": "x", "expected_at": "soon"}"#, "expected_at must be"),
                (#"{"service": 7}"#, "send JSON"),
                ("not json", "send JSON"),
                (#"{"service": "electricity", "areas": ["soweto"], "description": "\#(String(repeating: "x", count: 301))"}"#, "longer than 300"),
            ]
            for (body, expected) in cases {
                let r = try await api.call(client, .post, "/api/v1/incidents", token: power, json: body)
                #expect(r.status == .badRequest && (r.body["error"] as? String)?.contains(expected) == true, "\(body): \(r.body)")
            }
            #expect(try await api.call(client, .post, "/api/v1/incidents", token: nil, json: "{}").status == .unauthorized)
            #expect(try await api.call(client, .get, "/api/v1/incidents/99999999999999999999", token: power).status == .notFound)
            #expect(try await api.call(client, .get, "/api/v1/incidents/-1", token: power).status == .notFound)
        }
        #expect(try await world.staff.openIncidents(moe: nil).isEmpty)
    }

    /// A returning English caller dials and answers; the last screen.
    @Sendable static func call(_ world: TestGateway, _ number: String, _ inputs: [String]) async throws -> UssdReply {
        let phone = Phone(number, gateway: world.gateway, sessionPrefix: String(UUID().uuidString.prefix(8))), caller = phone.caller, now = world.clock.now()
        try await SQLiteConversationStore(world.database).transaction { tx in try tx.setLanguage("en", for: caller, at: now) }
        var reply = await phone.dial()
        for input in inputs { reply = await phone.send(input) }
        return reply
    }

    @Test func ticketsAreLinkedAndUnlinkedAndTheNewsReachesEachNumberOnceNotAfterStopWithinTheCap() async throws {
        let world = try TestGateway()
        let water = try await world.staff.addToken(moe: "water", at: world.clock.now())
        let power = try await world.staff.addToken(moe: "electricity", at: world.clock.now())
        let (a, b, c, d) = ("+27821110001", "+27821110002", "+27821110003", "+27821110004")
        // A reported a burst pipe in Soweto before the incident was declared.
        let early = try await Self.call(world, a, ["1", "1", "1", "1", "5 Main Rd", "1"])
        let reference = String(early.text.filter(\.isNumber).prefix(9))
        try await makeApp(world).test(.router) { client in
            let declared = try await api.call(client, .post, "/api/v1/incidents", token: water, json: """
                {"service": "water", "areas": ["soweto"], "description": "Main burst in Soweto."}
                """)
            let id = try #require(declared.body["id"] as? Int)
            let path = "/api/v1/incidents/\(id)"
            for (body, error) in [(#"{"areas": ["alexandra"]}"#, "not in this incident"), (#"{"faults": ["pothole"]}"#, "unknown fault"),
                                  (#"{"references": ["12"]}"#, "not a reference"), ("[1]", "send JSON")] {
                let r = try await api.call(client, .post, path + "/tickets", token: water, json: body)
                #expect(r.status == .badRequest && (r.body["error"] as? String)?.contains(error) == true, "\(body): \(r.body)")
            }
            #expect(try await api.call(client, .post, path + "/tickets", token: power, json: "{}").status == .notFound)
            #expect(try await api.call(client, .post, path + "/tickets", token: water, json: #"{"faults": ["burst_pipe"]}"#).body["linked"] as? Int == 1)
            #expect(try await api.call(client, .post, path + "/tickets", token: water, json: "{}").body["linked"] as? Int == 0, "once")

            // B asks to be told; C too, then sends STOP; D reports something different (a linked ticket) and then asks to be told.
            #expect(try await Self.call(world, b, ["1", "1", "1", "1", "1"]).text.contains("We will SMS you"))
            #expect(try await Self.call(world, c, ["1", "1", "2", "1", "1"]).text.contains("We will SMS you"))
            await world.sms.handle(InboundSMS(provider: "test", providerID: nil, from: MSISDN(c)!, to: nil, text: "STOP"))
            #expect(try await Self.call(world, d, ["1", "1", "3", "1", "2", "7 Side St", "1"]).text.contains("reference"))
            world.clock.advance(400)  // past the offer to resume
            #expect(try await Self.call(world, d, ["1", "1", "3", "1", "1"]).text.contains("We will SMS you"))

            var got = try await api.call(client, .get, path, token: water)
            #expect(got.body["linked_tickets"] as? Int == 2 && got.body["attached_residents"] as? Int == 3)
            #expect((got.body["tickets"] as? [[String: Any]])?.compactMap { $0["reference"] as? String }.contains(reference) == true)
            // Open311 shows a linked request's incident as its status notes.
            let open311 = try await client.execute(uri: "/open311/v2/requests/\(reference).json", method: .get)
            let request = (try? JSONSerialization.jsonObject(with: Data(buffer: open311.body))) as? [[String: Any]]
            #expect(request?.first?["status_notes"] as? String == "Main burst in Soweto.", "\(String(buffer: open311.body))")
            #expect(try await api.call(client, .delete, path + "/tickets/\(reference)", token: power).status == .notFound)
            #expect(try await api.call(client, .delete, path + "/tickets/\(reference)", token: water).status == .ok)
            #expect(try await api.call(client, .delete, path + "/tickets/\(reference)", token: water).status == .notFound)
            got = try await api.call(client, .get, path, token: water)
            #expect(got.body["linked_tickets"] as? Int == 1)

            #expect(try await api.call(client, .post, path, token: water, json: #"{"description": "Crews on site.", "expected_at": "2026-12-01T18:00:00+02:00"}"#).status == .ok)
            #expect(try await api.call(client, .post, path + "/close", token: water, json: #"{"description": "Water is back."}"#).status == .ok)
            #expect(try await api.call(client, .post, path + "/tickets", token: water, json: "{}").status == .conflict)

            // The indicators count it: the residents it spared a report, the tickets it gathered, 6 minutes (0.1 h) to restore.
            let day = world.gateway.engine.settings.calendar.day(world.clock.now())
            let figures = try await api.call(client, .get, "/api/v1/indicators?from=\(day)&to=\(day)", token: water).body["incidents"] as? [String: Any]
            #expect(figures?["declared"] as? Int == 1 && figures?["still_open"] as? Int == 0 && figures?["attached_residents"] as? Int == 3)
            #expect(figures?["linked_tickets"] as? Int == 1 && figures?["median_hours_to_restore"] as? Double == 0.1, "\(figures ?? [:])")
            let none = try await api.call(client, .get, "/api/v1/indicators?from=\(day)&to=\(day)", token: power).body["incidents"] as? [String: Any]
            #expect(none?["declared"] as? Int == 0 && none?["median_hours_to_restore"] is NSNull)
        }
        func news(_ number: String) async throws -> [(body: String, status: String)] {
            try await world.tickets.outbox(for: MSISDN(number)!).filter { $0.body.contains("Water fault in Soweto") }
        }
        #expect(try await news(a).isEmpty, "unlinked before the news")
        #expect(try await news(b).map(\.body) == ["Water fault in Soweto: Crews on site. Expected fixed: 2026-12-01 18:00",
                                                   "Water fault in Soweto is fixed: Water is back."])
        #expect(try await news(d).count == 2, "linked and attached: once each")
        // Sending: C sent STOP; D is over a cap of two SMS a day (its confirmation came first).
        let cap = DailySMSCap(limit: 2, since: world.clock.now().addingTimeInterval(-3600), nextDay: world.clock.now().addingTimeInterval(3600))
        let claimed = try await world.outbox.claimDue(limit: 100, now: world.clock.now(), cap: cap)
        #expect(claimed.filter { $0.to.e164 == c }.allSatisfy { !$0.body.contains("Water fault") }, "only the answer to STOP itself")
        #expect(try await news(c).map(\.status) == ["suppressed", "suppressed"])
        #expect(try await news(d).map(\.status) == ["sending", "held"])
        #expect(try await news(b).map(\.status) == ["sending", "sending"])
    }
}
