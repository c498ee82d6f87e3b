import Domain
import FlowEngine
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import NIOCore
import Store
import TestSupport
import Testing
import Web

/// The caps that keep one caller, one organisation or one client address from flooding the
/// city's queues or its SMS bill. "A day" is the municipality's day (Africa/Johannesburg).
@Suite struct AbuseLimitTests {
    /// The test clock starts on Wednesday 2026-11-18 at 13:06 in Johannesburg; this is the next midnight there.
    static let untilTomorrow: TimeInterval = 11 * 3600

    /// A full USSD report; returns the last screen.
    func ussdReport(_ client: some TestClientProtocol, _ id: String, phone: String, language: String = "1", address: String = "12 Vilakazi St") async throws -> String {
        var s = ATSession(client, sessionID: id, phone: phone)
        var screen = try await s.dial()
        if screen.contains("Taal") { screen = try await s.send(language) }
        for input in ["1", "1", "1", "1", address] { screen = try await s.send(input) }
        return try await s.send("1")
    }

    @Test func aNumberPastItsDailyReportsIsToldWhyInItsLanguageAndMakesNoTicket() async throws {
        let world = try TestGateway(maxReportsPerDay: 2)
        let zu = try shippedDefinitions().locales.locale("zu").strings["common.report_limit"]!
        try await makeApp(world).test(.router) { client async throws in
            for round in 1...2 {
                #expect(try await ussdReport(client, "ok-\(round)", phone: "+27821110001", language: "2").hasPrefix("END "))
            }
            var over = ATSession(client, sessionID: "over", phone: "+27821110001")
            _ = try await over.dial()
            for input in ["1", "1", "1", "1", "12 Vilakazi St"] { _ = try await over.send(input) }
            let refused = try await over.send("1")
            #expect(refused == "END " + GSM7.transliterate(zu))
            #expect(try await world.tickets.count() == 2)
            // A retry of the refused hop gets the same answer and still no ticket.
            #expect(try await over.retry() == refused)
            #expect(try await world.tickets.count() == 2)
            // Another number is not affected.
            #expect(try await ussdReport(client, "other", phone: "+27821110002", address: "40 Mandela Rd").contains("reference"))
            // SMS counts towards the same cap.
            await world.sms.handle(InboundSMS(provider: "kannel", providerID: nil, from: MSISDN("+27821110001")!, to: nil,
                                              text: "REPORT WATER burst pipe at 12 Vilakazi St"))
            #expect(try await world.tickets.count() == 3)
            #expect(try await world.sms(to: "+27821110001").last == SMSMeasure.cheapest(zu))
            // The next municipal day the caller may report again.
            world.clock.advance(Self.untilTomorrow)
            #expect(try await ussdReport(client, "tomorrow", phone: "+27821110001").hasPrefix("END "))
            #expect(try await world.tickets.count() == 4)
        }
    }

    @Test func smsToOneNumberPastTheDailyCapAreHeldUntilTomorrow() async throws {
        let world = try TestGateway()
        let resident = MSISDN("+27821234567")!
        for _ in 0..<25 {
            await world.sms.handle(InboundSMS(provider: "kannel", providerID: nil, from: resident, to: nil, text: "LANG"))
        }
        await world.sms.handle(InboundSMS(provider: "kannel", providerID: nil, from: MSISDN("+27829999999")!, to: nil, text: "LANG"))
        let calendar = MunicipalCalendar()
        func cap() -> DailySMSCap {
            DailySMSCap(limit: 20, since: calendar.startOfDay(world.clock.now()), nextDay: calendar.startOfNextDay(world.clock.now()))
        }
        let today = try await world.outbox.claimDue(limit: 100, now: world.clock.now(), cap: cap())
        #expect(today.filter { $0.to == resident }.count == 20)
        #expect(today.count == 21, "another number is not held back")
        let statuses = try await world.tickets.outbox(for: resident).map(\.status)
        #expect(statuses.filter { $0 == "held" }.count == 5)
        // Not again today, even once the first twenty are sent.
        try await world.outbox.record(today.map { ($0, .accepted(providerID: nil)) }, now: world.clock.now(), retry: .init())
        world.clock.advance(3600)
        #expect(try await world.outbox.claimDue(limit: 100, now: world.clock.now(), cap: cap()).isEmpty)
        #expect(try await world.outbox.nextDue() == calendar.startOfNextDay(world.clock.now()))
        world.clock.advance(Self.untilTomorrow)
        #expect(try await world.outbox.claimDue(limit: 100, now: world.clock.now(), cap: cap()).count == 5)
    }

    @Test func anOrganisationPastItsDailyQuotaGetsRowErrorsAndOpen311Says429() async throws {
        let world = try TestGateway()
        let key = try await world.organisations.add(name: "Ward 9", dailyQuota: 3, at: world.clock.now()).key
        let csv = BulkTests.header + (1...5).map { "r\($0),water.leak,soweto,\($0) Vilakazi St,,\n" }.joined()
        try await makeApp(world).test(.router) { client async throws in
            let (status, body) = try await BulkTests().upload(client, csv, key: key)
            #expect(status == .ok)
            #expect(body["accepted"] as? Int == 3)
            #expect(body["rejected"] as? Int == 2)
            let rows = try #require(body["rows"] as? [[String: Any]])
            let refused = rows.filter { $0["reference"] == nil }
            #expect(refused.map { $0["row"] as? Int } == [5, 6])
            #expect((refused.first?["errors"] as? [[String: String]])?.first?["message"]?.contains("daily quota of 3") == true)
            // Re-uploading the same file creates nothing and uses no quota.
            #expect(try await BulkTests().upload(client, csv, key: key).1["accepted"] as? Int == 3)
            let post = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: formHeaders, body: form([
                "api_key": key, "service_code": "water.leak", "address_string": "5 Main Rd",
            ]))
            #expect(post.status == .tooManyRequests)
            #expect(String(buffer: post.body).contains("daily quota"))
            world.clock.advance(Self.untilTomorrow)
            #expect(try await BulkTests().upload(client, csv, key: key).1["accepted"] as? Int == 5)
        }
        #expect(try await world.tickets.count() == 5)
    }

    @Test func severalConfirmationsToOneNumberFromOneUploadBecomeOneSMS() async throws {
        let world = try TestGateway()
        let key = try await world.organisations.add(name: "Ward 9", at: world.clock.now()).key
        let csv = BulkTests.header + (1...4).map { "r\($0),water.leak,soweto,\($0) Vilakazi St,,0821234567\n" }.joined()
            + "r5,roads.pothole,soweto,9 Main Rd,,0827654321\n"
        try await makeApp(world).test(.router) { client async throws in
            let (_, body) = try await BulkTests().upload(client, csv, key: key)
            let references = try #require(body["rows"] as? [[String: Any]]).compactMap { $0["reference"] as? String }
            #expect(references.count == 5)
            let coordinator = try await world.sms(to: "+27821234567")
            #expect(coordinator.count == 1)
            let first = try references.prefix(3).map { try Reference(parsing: $0).grouped }
            #expect(coordinator.first?.contains("4 reports") == true)
            #expect(first.allSatisfy { coordinator.first?.contains($0) == true })
            #expect(try await world.sms(to: "+27827654321").count == 1)
        }
    }

    @Test func busyClientAddressesGet429WithRetryAfter() async throws {
        let world = try TestGateway()
        let key = try await world.organisations.add(name: "Ward 9", at: world.clock.now()).key
        let token = try await world.staff.addToken(moe: "water", at: world.clock.now())
        try await makeApp(world).test(.router) { client async throws in
            func hammer(_ count: Int, _ call: () async throws -> TestResponse) async throws -> TestResponse? {
                for _ in 0..<count {
                    let r = try await call()
                    if r.status == .tooManyRequests { return r }
                }
                return nil
            }
            let bulk = try await hammer(20) {
                try await client.execute(uri: "/api/v1/bulk-reports", method: .post, headers: [.authorization: "Bearer \(key)", .contentType: "text/csv"],
                                         body: ByteBuffer(string: BulkTests.header))
            }
            #expect(bulk?.headers[.retryAfter].flatMap { Int($0) }.map { $0 >= 1 } == true)
            let api = try await hammer(200) { try await client.execute(uri: "/api/v1/tickets", method: .get, headers: [.authorization: "Bearer \(token)"]) }
            #expect(api != nil)
            let open311 = try await hammer(50) {
                try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: formHeaders, body: form(["api_key": "cg_nope"]))
            }
            #expect(open311.map { String(buffer: $0.body).contains("\"code\":429") } == true)
            let browser = ConsoleBrowser(client)
            var signIn: ConsoleBrowser.Page?
            for i in 0..<20 where signIn == nil {
                let page = try await browser.signIn("user\(i)", "whatever-it-is")
                if page.status == .tooManyRequests { signIn = page }
            }
            #expect(signIn?.body.contains("from your network") == true)
            // The bucket refills with time.
            world.clock.advance(60)
            #expect(try await client.execute(uri: "/api/v1/tickets", method: .get, headers: [.authorization: "Bearer \(token)"]).status == .ok)
        }
    }
}
