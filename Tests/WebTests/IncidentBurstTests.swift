import Domain
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import Web

/// A storm: 2,000 residents report the same outage by USSD within a minute, through the real
/// webhook. The queue gains only the tickets of those who chose "report something different";
/// every resident it reaches hears of the closing once; and a new report's confirmation goes
/// before the whole broadcast.
@Suite struct IncidentBurstTests {
    static let residents = 2_000

    @Test func twoThousandResidentsReportOneOutageAndHearOfItsClosingOnce() async throws {
        let world = try TestGateway()
        let power = try await world.staff.addToken(moe: "electricity", at: world.clock.now())
        let electricity = try #require(world.gateway.engine.catalogue.service("electricity"))
        let outage = String(try #require(electricity.faults.firstIndex { $0.code == "outage" }) + 1)
        @Sendable func number(_ i: Int) -> String { "+2782\(String(format: "%07d", 3_000_000 + i))" }
        @Sendable func different(_ i: Int) -> Bool { i % 10 == 0 }
        try await makeApp(world).test(.router) { client in
            let declared = try await MOEApiTests().call(client, .post, "/api/v1/incidents", token: power, json: """
                {"service": "electricity", "faults": ["outage"], "areas": ["soweto"], "description": "Substation tripped: power is off in Soweto.",
                 "expected_at": "2026-12-01T18:00:00+02:00"}
                """)
            let id = try #require(declared.body["id"] as? Int)

            // Eight aggregator connections at once, each carrying a share of the callers one after another.
            let started = ContinuousClock.now
            let screens = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var last: [String] = []
                        for i in stride(from: worker, to: Self.residents, by: 8) {
                            var session = ATSession(client, sessionID: "burst-\(i)", phone: number(i))
                            _ = try await session.dial()
                            for input in ["1", "1", "2", outage] { _ = try await session.send(input) }
                            let told = try await session.send("1")
                            guard told.contains("Known Electricity fault in Soweto") else { last.append("not told: \(told)"); continue }
                            let end = different(i)
                                ? try await { _ = try await session.send("2"); _ = try await session.send("\(i) Vilakazi St"); return try await session.send("1") }()
                                : try await session.send("1")
                            last.append(end)
                        }
                        return last
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let took = ContinuousClock.now - started
            #expect(screens.count == Self.residents)
            #expect(screens.filter { $0.hasPrefix("END Thank you. We will SMS you") }.count == Self.residents * 9 / 10)
            #expect(screens.filter { $0.hasPrefix("END Thank you. Your reference is") }.count == Self.residents / 10)

            // The queue gained only the different reports, each linked to the incident.
            #expect(try await world.tickets.count() == Self.residents / 10)
            let reach = try await world.staff.incidentReach(Int64(id), limit: 1)
            #expect(reach.residents == Self.residents * 9 / 10 && reach.linkedCount == Self.residents / 10)

            let closing = ContinuousClock.now
            #expect(try await MOEApiTests().call(client, .post, "/api/v1/incidents/\(id)/close", token: power,
                                                 json: #"{"description": "Power is back in Soweto."}"#).status == .ok)
            let queued = ContinuousClock.now - closing
            print("burst: \(Self.residents) residents (6-8 hops each) in \(took); closing broadcast queued in \(queued)")
        }
        // Every number it reached heard of the closing once.
        var heard: [Int: Int] = [:]
        for i in 0..<Self.residents {
            let n = try await world.tickets.outbox(for: MSISDN(number(i))!).filter { $0.body.hasPrefix("Electricity fault in Soweto is fixed") }.count
            heard[n, default: 0] += 1
        }
        #expect(heard == [1: Self.residents], "\(heard)")

        // A new report now: the sender takes its confirmation (after the earlier reports' ones) before any of the broadcast.
        let latecomer = Phone("+27829999999", gateway: world.gateway)
        _ = await latecomer.dial()
        for input in ["1", "1", "3", "1", "1", "8 Corner St", "1"] { _ = await latecomer.send(input) }
        let order = try await world.outbox.claimDue(limit: 400, now: world.clock.now())
        let confirmation = try #require(order.firstIndex { $0.to == latecomer.caller })
        let broadcast = try #require(order.firstIndex { $0.body.hasPrefix("Electricity fault in Soweto is fixed") })
        #expect(confirmation == Self.residents / 10 && broadcast == confirmation + 1, "\(confirmation) \(broadcast)")
        print("burst: the new report's confirmation is message \(confirmation + 1) to be sent, ahead of \(Self.residents) closing SMS")
    }
}
