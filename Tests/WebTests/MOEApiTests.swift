import Domain
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import Web

/// The MOE JSON API: per-MOE tokens, cross-MOE isolation, status changes with history, audit and
/// (for public updates only) the reporter's SMS.
@Suite struct MOEApiTests {
    func waterTicket(_ world: TestGateway) async throws -> (Reference, MSISDN) {
        let phone = Phone("+27821234567", gateway: world.gateway)
        await phone.dial()
        for input in ["1", "1", "1", "1", "1", "12 Vilakazi St"] { await phone.send(input) }
        return (try Reference(parsing: String(await phone.send("1").text.filter(\.isNumber).suffix(9))), phone.caller)
    }

    func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String?, json: String? = nil)
        async throws -> (status: HTTPResponse.Status, body: [String: Any]) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let r = try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        return (r.status, ((try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any]) ?? [:])
    }

    @Test func anMOESeesOnlyItsOwnTicketsAndAnotherMOEGets404() async throws {
        let world = try TestGateway()
        let (reference, _) = try await waterTicket(world)
        let water = try await world.staff.addToken(moe: "water", at: world.clock.now())
        let power = try await world.staff.addToken(moe: "electricity", at: world.clock.now())
        try await makeApp(world).test(.router) { client in
            let mine = try await call(client, .get, "/api/v1/tickets", token: water)
            #expect(mine.status == .ok)
            #expect((mine.body["tickets"] as? [[String: Any]])?.map { $0["reference"] as? String } == [reference.digits])
            let theirs = try await call(client, .get, "/api/v1/tickets", token: power)
            #expect((theirs.body["tickets"] as? [[String: Any]])?.isEmpty == true)
            let peek = try await call(client, .get, "/api/v1/tickets/\(reference.digits)", token: power)
            #expect(peek.status == .notFound)
            let change = try await call(client, .post, "/api/v1/tickets/\(reference.digits)/status", token: power, json: #"{"status":"resolved"}"#)
            #expect(change.status == .notFound)
            let none = try await call(client, .get, "/api/v1/tickets", token: nil)
            #expect(none.status == .unauthorized)
            let raw = String(buffer: try await client.execute(uri: "/api/v1/tickets", method: .get, headers: [.authorization: "Bearer \(water)"]).body)
            #expect(!raw.contains("+27") && !raw.contains("821234567"))
        }
        #expect(try await world.tickets.publicTicket(reference)?.status == .new)
    }

    @Test func aTicketCarriesItsDueDateAndWhetherItIsOverdue() async throws {
        let world = try TestGateway()
        let (reference, _) = try await waterTicket(world)
        let water = try await world.staff.addToken(moe: "water", at: world.clock.now())
        let due = try #require(try await world.staff.ticket(reference, moe: "water")?.dueAt)
        try await makeApp(world).test(.router) { client in
            let fresh = try await call(client, .get, "/api/v1/tickets/\(reference.digits)", token: water)
            #expect(fresh.body["due"] as? String == Open311Dates.format(due, in: TimeZone(identifier: "Africa/Johannesburg")!))
            #expect(fresh.body["overdue"] as? Bool == false)
            #expect(fresh.body["escalation_level"] as? Int == 0)
            world.clock.advance(due.timeIntervalSince(world.clock.now()) + 60)
            let job = EscalationJob(tickets: world.staff, dispatch: world.staff, engine: world.gateway.engine, clock: world.clock)
            #expect(try await job.run() == 1)
            let late = try await call(client, .get, "/api/v1/tickets", token: water)
            let row = (late.body["tickets"] as? [[String: Any]])?.first
            #expect(row?["overdue"] as? Bool == true)
            #expect(row?["escalation_level"] as? Int == 2, "never acknowledged, and long past twice that target")
            _ = try await call(client, .post, "/api/v1/tickets/\(reference.digits)/status", token: water, json: #"{"status":"resolved","public_update":"Fixed"}"#)
            let resolved = try await call(client, .get, "/api/v1/tickets/\(reference.digits)", token: water)
            #expect(resolved.body["overdue"] as? Bool == false, "a resolved ticket is not overdue")
        }
    }

    @Test func indicatorsAreForTheTokensMOEAndAPeriodOfMunicipalDays() async throws {
        let world = try TestGateway()
        let (reference, _) = try await waterTicket(world)
        let water = try await world.staff.addToken(moe: "water", at: world.clock.now())
        let power = try await world.staff.addToken(moe: "electricity", at: world.clock.now())
        let today = MunicipalCalendar().day(world.clock.now())
        world.clock.advance(3600)
        _ = try await world.staff.perform(.acknowledge, on: reference, scope: "water", actor: "thandi", at: world.clock.now(),
                                          notice: world.gateway.engine.noticeWording)
        try await makeApp(world).test(.router) { client in
            let mine = try await call(client, .get, "/api/v1/indicators?from=\(today)&to=\(today)", token: water)
            #expect(mine.status == .ok)
            #expect(mine.body["moe"] as? String == "water" && mine.body["from"] as? String == today && mine.body["to"] as? String == today)
            #expect(mine.body["received"] as? Int == 1 && mine.body["acknowledged"] as? Int == 1 && mine.body["resolved"] as? Int == 0)
            #expect(mine.body["median_hours_to_acknowledge"] as? Double == 1)
            for key in ["reopened", "median_hours_to_resolve", "p90_hours_to_resolve", "acknowledged_within_target_pct",
                        "resolved_within_target_pct", "satisfaction_mean", "satisfaction_responses"] {
                #expect(mine.body.keys.contains(key), "\(key) is always there (null when nothing to measure)")
            }
            #expect(mine.body["median_hours_to_resolve"] is NSNull)
            let theirs = try await call(client, .get, "/api/v1/indicators?from=\(today)&to=\(today)", token: power)
            #expect(theirs.body["received"] as? Int == 0, "another MOE's tickets are not counted")
            for bad in ["", "?from=\(today)", "?from=2026-02-30&to=2026-03-01", "?from=2026-12-01&to=2026-11-01", "?from=2020-01-01&to=2026-12-31",
                        "?from=x&to=y"] {
                #expect(try await call(client, .get, "/api/v1/indicators\(bad)", token: water).status == .badRequest, "\(bad)")
            }
            #expect(try await call(client, .get, "/api/v1/indicators?from=\(today)&to=\(today)", token: nil).status == .unauthorized)
        }
    }

    @Test func aPublicUpdateNotifiesTheReporterAndAnInternalNoteDoesNot() async throws {
        let world = try TestGateway()
        let (reference, reporter) = try await waterTicket(world)
        let water = try await world.staff.addToken(moe: "water", at: world.clock.now())
        try await makeApp(world).test(.router) { client in
            let scheduled = try await call(client, .post, "/api/v1/tickets/\(reference.digits)/status", token: water,
                                           json: #"{"status":"scheduled","public_update":"Crew booked for Monday","expected_date":"2026-12-01"}"#)
            #expect(scheduled.status == .ok)
            #expect(scheduled.body["status"] as? String == "scheduled")
            let noted = try await call(client, .post, "/api/v1/tickets/\(reference.digits)/status", token: water,
                                       json: #"{"status":"in_progress","internal_note":"valve part ordered"}"#)
            #expect(noted.status == .ok)
            let bad = try await call(client, .post, "/api/v1/tickets/\(reference.digits)/status", token: water, json: #"{"status":"done"}"#)
            #expect(bad.status == .badRequest)
        }
        let sms = try await world.tickets.outbox(for: reporter).map(\.body)
        #expect(sms.count == 2)
        #expect(sms.last == "Ref \(reference.grouped): Scheduled. Crew booked for Monday")
        let history = try await world.tickets.history(of: reference)
        #expect(history.map(\.kind) == ["created", "status", "status"])
        #expect(history.map(\.note).last == "valve part ordered")
        let audit = try await world.staff.auditLog(of: reference)
        #expect(audit.map(\.action.rawValue) == ["status scheduled", "status in_progress"])
        #expect(audit.allSatisfy { $0.actor == "api:water" })
        let track = try #require(try await world.tickets.publicTicket(reference))
        #expect(track.lastPublicUpdate == "Crew booked for Monday")
        #expect(track.expectedAt != nil)
    }
}
