import Domain
import FlowEngine
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// "Already reported — add me to it?" through the real app, as residents meet it, in every shipped
/// language: offered for the same fault at the same place while the ticket is open and recent,
/// and not for another area, another fault, a ticket past the fault type's window or a closed one.
@Suite struct AlreadyReportedTests {
    static let languages = try! shippedDefinitions().locales.ordered.map(\.code)

    /// A resident reports `fault` (its place in the list) in `area` at `address` and confirms; the screen after "1 Submit".
    static func report(_ client: some TestClientProtocol, _ id: String, phone: String, language: Int? = nil, fault: String = "1",
                       area: String = "1", address: String = "12 Vilakazi St") async throws -> (ATSession, String) {
        var s = ATSession(client, sessionID: id, phone: phone)
        let first = try await s.dial()
        if first.contains("Taal") { _ = try await s.send(String(language ?? 1)) }
        for input in ["1", "1", fault, area, address] { _ = try await s.send(input) }
        let screen = try await s.send("1")
        return (s, screen)
    }

    /// The number of the option whose line contains `text`.
    static func option(_ screen: String, containing text: String) -> String? {
        screen.split(separator: "\n").first { $0.contains(text) }.flatMap { $0.split(separator: " ").first }.map(String.init)
    }

    @Test(arguments: languages.indices)
    func theOfferAppearsOnlyForAnOpenRecentReportOfTheSameFaultAndPlace(_ index: Int) async throws {
        let world = try TestGateway()
        let language = Self.languages[index]
        let strings = try shippedDefinitions().locales.locale(language).strings
        let different = GSM7.transliterate(strings["duplicate.different"]!)
        try await makeApp(world).test(.router) { client async throws in
            // Not offered: a ticket past the burst pipe's two days, a resolved one, one in another area, another fault.
            let (_, old) = try await Self.report(client, "old", phone: "+27820000001")
            world.clock.advance(3 * 86400)
            let (_, closed) = try await Self.report(client, "closed", phone: "+27820000002")
            try await world.update(try Reference(parsing: referenceDigits(closed)), to: .resolved, publicUpdate: "Pipe replaced")
            let (_, elsewhere) = try await Self.report(client, "elsewhere", phone: "+27820000003", area: "2")
            let (_, meter) = try await Self.report(client, "meter", phone: "+27820000004", fault: "6")
            for done in [old, closed, elsewhere, meter] { #expect(done.hasPrefix("END ") && !done.contains(different)) }
            #expect(try await world.tickets.count() == 4)

            // The first resident of this language: nothing open matches, so the report is filed.
            let (_, first) = try await Self.report(client, "first", phone: "+27821000001", language: index + 1)
            #expect(first.hasPrefix("END "), "filed at once: \(first)")
            let ticket = try Reference(parsing: referenceDigits(first))
            #expect(try await world.tickets.count() == 5)

            // A neighbour reports it an hour later, spelled their way: offered to be added to it, on one screen.
            world.clock.advance(3600)
            var (neighbour, offer) = try await Self.report(client, "neighbour", phone: "+27821000002", language: index + 1, address: "12 vilakazi street")
            #expect(offer.hasPrefix("CON ") && offer.contains(ticket.grouped), "the offer names the ticket: \(offer)")
            #expect(offer.contains(different))
            #expect(GSM7.screenCost(String(offer.dropFirst(4))) <= 182)
            for other in [old, closed, elsewhere, meter] { #expect(!offer.contains(try Reference(parsing: referenceDigits(other)).grouped)) }
            let add = try #require(Self.option(offer, containing: ticket.grouped))
            let joined = try await neighbour.send(add)
            #expect(joined.hasPrefix("END ") && joined.contains(ticket.grouped))
            #expect(try await world.tickets.count() == 5, "added to the ticket: no ticket of their own")
            let kept = try await world.sms(to: "+27821000002")
            #expect(kept.last?.contains(ticket.grouped) == true, "an SMS keeps the reference")

            // The ticket's next public update reaches the neighbour in their language.
            try await world.update(ticket, to: .inProgress, publicUpdate: "Crew on site, valve being replaced")
            let news = try await world.sms(to: "+27821000002")
            #expect(news.count == kept.count + 1 && news.last!.contains("Crew on site") && news.last!.contains(ticket.grouped))
            let status = GSM7.transliterate(strings["status.in_progress"]!)
            #expect(GSM7.transliterate(news.last!).contains(status), "in \(language)")

            // Another says it is a different fault: filed as their own ticket.
            (neighbour, offer) = try await Self.report(client, "other", phone: "+27821000003", language: index + 1)
            let new = try #require(Self.option(offer, containing: different))
            let filed = try await neighbour.send(new)
            #expect(filed.hasPrefix("END ") && !filed.contains(ticket.grouped))
            #expect(try await world.tickets.count() == 6)
        }
    }

    /// Two Open311 reports 30 m apart: the second is filed and linked to the first as a possible
    /// duplicate; the MOE API counts it and lists it with `possible_duplicates=1`.
    @Test func anOpen311Point30MetresAwayIsLinkedAndListedForTheMOE() async throws {
        let world = try TestGateway()
        let key = try await world.organisations.add(name: "FixMyStreet Joburg", at: world.clock.now()).key
        let token = try await world.staff.addToken(moe: "water", at: world.clock.now())
        try await makeApp(world).test(.router) { client async throws in
            var ids: [String] = []
            for (lat, words) in [("-26.25", "Water gushing from the pavement"), ("-26.25027", "Pipe burst, road flooding")] {
                world.clock.advance(600)
                let (status, body) = try await Open311XMLTests.post(client, "/open311/v2/requests.json", [
                    ("api_key", key), ("service_code", "water.burst_pipe"), ("lat", lat), ("long", "27.88"), ("description", words)])
                #expect(status == .ok, "\(body)")
                let created = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]])
                ids.append(try #require(created.first?["service_request_id"] as? String))
            }
            let r = try await client.execute(uri: "/api/v1/tickets?possible_duplicates=1", method: .get, headers: [.authorization: "Bearer \(token)"])
            let listing = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
            #expect(listing["possible_duplicates"] as? Int == 1)
            let tickets = try #require(listing["tickets"] as? [[String: Any]])
            #expect(tickets.map { $0["reference"] as? String } == [ids[1]])
            #expect(tickets.first?["possibleDuplicateOf"] as? String == ids[0])
            let all = try await client.execute(uri: "/api/v1/tickets", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect((try JSONSerialization.jsonObject(with: Data(buffer: all.body)) as? [String: Any])?["total"] as? Int == 2, "both filed")
        }
    }
}
