import Domain
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
@testable import Web

/// Open311 GeoReport v2 read endpoints over tickets made by USSD and SMS.
@Suite struct Open311Tests {
    func get(_ client: some TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, Any) {
        let r = try await client.execute(uri: uri, method: .get)
        return (r.status, try JSONSerialization.jsonObject(with: Data(buffer: r.body)))
    }

    /// Three tickets: water (USSD, Soweto), electricity (SMS, with a phone number in the text), roads.
    func seeded() async throws -> (TestGateway, [Reference]) {
        let world = try TestGateway()
        var refs: [Reference] = []
        let phone = Phone("+27821234567", gateway: world.gateway)
        await phone.dial()
        for input in ["1", "1", "1", "1", "1", "12 Vilakazi St"] { await phone.send(input) }
        refs.append(try Reference(parsing: String(await phone.send("1").text.filter(\.isNumber).suffix(9))))
        world.clock.advance(3600)
        for (text, from) in [("REPORT POWER no lights, call me on 082 555 1234", "+27825550001"), ("REPORT ROADS pothole at the taxi rank", "+27825550002")] {
            await world.sms.handle(InboundSMS(provider: "kannel", providerID: nil, from: MSISDN(from)!, to: "40001", text: text))
            let body = try await world.tickets.outbox(for: MSISDN(from)!).last!.body
            refs.append(try Reference(parsing: String(body.filter(\.isNumber).prefix(9))))
            world.clock.advance(3600)
        }
        try await world.update(refs[2], to: .resolved, publicUpdate: "Filled. Thanks!")
        return (world, refs)
    }

    @Test func discoveryAndServicesFromTheCatalogue() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            let (s1, discovery) = try await get(client, "/open311/v2/discovery.json")
            #expect(s1 == .ok)
            #expect(((discovery as? [String: Any])?["endpoints"] as? [[String: Any]])?.first?["specification"] as? String == "http://wiki.open311.org/GeoReport_v2")
            let (s2, services) = try await get(client, "/open311/v2/services.json")
            #expect(s2 == .ok)
            let list = try #require(services as? [[String: Any]])
            #expect(list.count == world.gateway.engine.catalogue.services.reduce(0) { $0 + $1.faults.count })
            let burst = try #require(list.first { $0["service_code"] as? String == "water.burst_pipe" })
            #expect(burst["service_name"] as? String == "Water: Burst pipe")
            #expect(burst["group"] as? String == "Water")
            #expect(burst["type"] as? String == "realtime")
            #expect(burst["metadata"] as? Bool == true)
            for key in ["description", "keywords"] { #expect(burst[key] is String) }
            let (s3, definition) = try await get(client, "/open311/v2/services/water.burst_pipe.json")
            #expect(s3 == .ok)
            let attributes = try #require((definition as? [String: Any])?["attributes"] as? [[String: Any]])
            #expect(attributes.first?["code"] as? String == "area")
            #expect((attributes.first?["values"] as? [[String: Any]])?.contains { $0["key"] as? String == "soweto" } == true)
            let (s4, missing) = try await get(client, "/open311/v2/services/water.gold_leak.json")
            #expect(s4 == .notFound)
            #expect((missing as? [[String: Any]])?.first?["code"] as? Int == 404)
        }
    }

    @Test func requestsAreListedFilteredAndPagedWithoutPersonalData() async throws {
        let (world, refs) = try await seeded()
        try await makeApp(world).test(.router) { client in
            let (status, all) = try await get(client, "/open311/v2/requests.json")
            #expect(status == .ok)
            let list = try #require(all as? [[String: Any]])
            #expect(list.compactMap { $0["service_request_id"] as? String } == refs.reversed().map(\.digits))
            let water = try #require(list.first { $0["service_request_id"] as? String == refs[0].digits })
            #expect(water["service_code"] as? String == "water.burst_pipe")
            #expect(water["agency_responsible"] as? String == "Water & Sanitation")
            #expect(water["status"] as? String == "open")
            #expect(water["address"] as? String == "12 Vilakazi St, Soweto")
            #expect((water["requested_datetime"] as? String)?.hasSuffix("+02:00") == true)
            let power = try #require(list.first { $0["service_request_id"] as? String == refs[1].digits })
            #expect(power["service_code"] as? String == "electricity")
            #expect(!(power["description"] as? String ?? "").contains("555"))
            // No phone number or personal detail anywhere.
            let raw = String(buffer: try await client.execute(uri: "/open311/v2/requests.json", method: .get).body)
            for secret in ["+27", "82123", "0821234567", "555 1234", "reporter", "phone"] { #expect(!raw.contains(secret), "\(secret) in \(raw)") }

            let (_, closed) = try await get(client, "/open311/v2/requests.json?status=closed")
            #expect((closed as? [[String: Any]])?.map { $0["service_request_id"] as? String } == [refs[2].digits])
            #expect((closed as? [[String: Any]])?.first?["status_notes"] as? String == "Filled. Thanks!")
            let (_, byCode) = try await get(client, "/open311/v2/requests.json?service_code=water,electricity")
            #expect((byCode as? [[String: Any]])?.count == 2)
            let (_, byFault) = try await get(client, "/open311/v2/requests.json?service_code=water.leak")
            #expect((byFault as? [[String: Any]])?.count == 0)
            let (_, byIds) = try await get(client, "/open311/v2/requests.json?service_request_id=\(refs[0].digits),\(refs[2].digits)")
            #expect((byIds as? [[String: Any]])?.count == 2)
            let (_, page2) = try await get(client, "/open311/v2/requests.json?page_size=2&page=2")
            #expect((page2 as? [[String: Any]])?.map { $0["service_request_id"] as? String } == [refs[0].digits])
            let cut = Open311Dates.format(world.clock.now().addingTimeInterval(-2.5 * 3600), in: world.gateway.engine.settings.calendar.timeZone).replacingOccurrences(of: "+", with: "%2B")
            let (_, recent) = try await get(client, "/open311/v2/requests.json?start_date=\(cut)")
            #expect((recent as? [[String: Any]])?.count == 2)
            let (_, one) = try await get(client, "/open311/v2/requests/\(refs[0].digits).json")
            #expect((one as? [[String: Any]])?.count == 1)
        }
    }

    @Test(arguments: [
        "/open311/v2/requests.json?status=maybe", "/open311/v2/requests.json?service_code=gas",
        "/open311/v2/requests.json?start_date=yesterday", "/open311/v2/requests.json?page=0",
        "/open311/v2/requests.json?service_request_id=12345", "/open311/v2/requests.json?page_size=100000",
    ])
    func badQueriesGetA400InTheOpen311ErrorFormat(_ uri: String) async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            let (status, body) = try await get(client, uri)
            #expect(status == .badRequest)
            let error = try #require((body as? [[String: Any]])?.first)
            #expect(error["code"] as? Int == 400)
            #expect((error["description"] as? String)?.isEmpty == false)
        }
    }

    @Test func anUnknownOrMistypedRequestIdIsA404() async throws {
        let (world, refs) = try await seeded()
        try await makeApp(world).test(.router) { client in
            var typo = Array(refs[0].digits)
            typo[0] = typo[0] == "1" ? "2" : "1"
            for id in [String(typo), "123456789", "nonsense"] {
                let (status, body) = try await get(client, "/open311/v2/requests/\(id).json")
                #expect(status == .notFound)
                #expect((body as? [[String: Any]])?.first?["code"] as? Int == 404)
            }
        }
    }
}
