import Domain
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import Web

/// The open dataset: every ticket, no personal data, even when residents put numbers and
/// addresses in their words; public, streamed, rate limited.
@Suite struct OpenDataTests {
    @Test func theOpenDatasetHasEveryTicketAndNoPersonalData() async throws {
        let (world, refs) = try await Open311Tests().seeded()
        // A report whose words carry an e-mail address and a phone number, from a number given in full.
        await world.sms.handle(InboundSMS(provider: "kannel", providerID: nil, from: MSISDN("+27825550003")!, to: "40001",
                                          text: "REPORT WATER leak, mail thabo@example.org or phone +27 82 555 0003, at 4 Mofokeng St"))
        try await world.update(refs[0], to: .acknowledged)
        world.clock.advance(3 * 86400)
        try await makeApp(world).test(.router) { client in
            let response = try await client.execute(uri: "/open-data/requests.csv", method: .get)
            #expect(response.status == .ok && response.headers[.contentType] == "text/csv; charset=utf-8")
            let csv = String(buffer: response.body)
            let lines = csv.split(separator: "\r\n").map(String.init)
            #expect(lines.first == OpenDataCSV.header.trimmingCharacters(in: .newlines))
            #expect(lines.count == 1 + 4, "every ticket once")
            for forbidden in ["@", "5550003", "555 0003", "082 555", "+27", "Vilakazi", "Mofokeng", "taxi", "lights", "thabo", "Filled"] {
                #expect(!csv.contains(forbidden), "\(forbidden) in the open data")
            }
            // No run of ten digits or more (a phone number); the nine-digit references are the only long numbers.
            #expect(csv.range(of: #"\d{10,}"#, options: .regularExpression) == nil)
            let first = try #require(lines.first { $0.hasPrefix(refs[0].digits) }).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(first[1...7] == ["water", "burst_pipe", "water", "soweto", "Soweto", "ussd", "acknowledged"])
            // A burst pipe acknowledged three hours after the report (its target is two hours): late; three days on,
            // not resolved and past its 24-hour target: late too.
            #expect(first[8...12] == ["2026-11-18", "2026-11-18", "", "no", "no"], "\(first)")
            let resolved = try #require(lines.first { $0.hasPrefix(refs[2].digits) }).split(separator: ",", omittingEmptySubsequences: false)
            #expect(resolved[7] == "resolved" && !resolved[10].isEmpty && resolved[4] == "unknown", "an SMS one-liner's area is unknown")

            // Public, but a table scan: a few a minute per address.
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<4 { statuses.append(try await client.execute(uri: "/open-data/requests.csv", method: .get).status) }
            #expect(statuses.contains(.tooManyRequests))
        }
    }
}
