import Domain
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import NIOCore
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
        let audit = try await world.staff.auditEntries(scope: nil, limit: 10, offset: 0).map(\.action)
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
}
