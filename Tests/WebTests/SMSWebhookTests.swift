import Domain
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@Suite struct SMSWebhookTests {
    @Test func africasTalkingSMSIsAnsweredEmptyAndTheReplyQueued() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            let r = try await client.execute(uri: "/sms/africastalking", method: .post, headers: formHeaders, body: form([
                "from": "+27821234567", "to": "40001", "text": "REPORT WATER burst pipe at 12 Vilakazi St", "date": "2026-11-27 10:00:00",
                "id": "ATXid_1", "linkId": "abc", "networkCode": "65501",
            ]))
            #expect(r.status == .ok)
            #expect(r.body.readableBytes == 0)
        }
        let queue = try await world.tickets.outbox(for: MSISDN("+27821234567")!)
        #expect(queue.count == 1)
        #expect(queue[0].body.hasPrefix("Thank you. Your reference is"))
    }

    @Test func kannelSMSByGetAndByPost() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            let get = try await client.execute(uri: "/sms/kannel?from=%2B27821234567&to=40001&text=HELP&id=k1", method: .get)
            #expect(get.status == .ok)
            let post = try await client.execute(uri: "/sms/kannel", method: .post, headers: formHeaders, body: form([
                "from": "0827654321", "to": "40001", "text": "MY",
            ]))
            #expect(post.status == .ok)
        }
        #expect(try await world.tickets.outbox(for: MSISDN("+27821234567")!).count == 1)
        #expect(try await world.tickets.outbox(for: MSISDN("+27827654321")!).first?.body
                == "You have no requests from this number yet.\nWe keep your number and reports. SMS MYDATA to learn more.", "with the first contact's privacy line")
    }

    @Test func unreadableSMSCallbacksGetA400NamingTheProblem() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            let noFrom = try await client.execute(uri: "/sms/africastalking", method: .post, headers: formHeaders, body: form(["text": "HELP"]))
            #expect(noFrom.status == .badRequest)
            #expect(String(buffer: noFrom.body).contains("from"))
            let badNumber = try await client.execute(uri: "/sms/kannel?from=abc&text=HELP", method: .get)
            #expect(badNumber.status == .badRequest)
            let badUTF8 = try await client.execute(uri: "/sms/africastalking", method: .post, headers: formHeaders,
                                                   body: ByteBuffer(string: "from=%2B27821234567&text=%C3%28"))
            #expect(badUTF8.status == .badRequest)
        }
    }

    @Test func deliveryReportsUpdateTheOutbox() async throws {
        let world = try TestGateway()
        let resident = MSISDN("+27821234567")!
        try await makeApp(world).test(.router) { client in
            for text in ["HELP", "MY"] {
                _ = try await client.execute(uri: "/sms/kannel?from=%2B27821234567&text=\(text)", method: .get)
            }
            let ids = try await world.outbox.claimDue(limit: 10, now: world.clock.now()).map(\.id)
            try await world.outbox.record([(OutboxMessage(id: ids[0], to: resident, body: "", attempt: 1), .accepted(providerID: nil)),
                                           (OutboxMessage(id: ids[1], to: resident, body: "", attempt: 1), .accepted(providerID: "ATXid_9"))],
                                          now: world.clock.now(), retry: .init())
            let sig = world.deliverySignature.sign(outboxID: ids[0])
            #expect(try await client.execute(uri: "/dlr/kannel?id=\(ids[0])&status=8&sig=\(sig)", method: .get).status == .ok)
            #expect(try await world.tickets.outbox(for: resident).map(\.status) == ["sent", "sent"])
            #expect(try await client.execute(uri: "/dlr/kannel?id=\(ids[0])&status=1&sig=\(sig)", method: .get).status == .ok)
            let at = try await client.execute(uri: "/dlr/africastalking", method: .post, headers: formHeaders, body: form([
                "id": "ATXid_9", "status": "Failed", "phoneNumber": "+27821234567", "networkCode": "65501", "failureReason": "AbsentSubscriber", "retryCount": "0",
            ]))
            #expect(at.status == .ok)
            #expect(try await client.execute(uri: "/dlr/kannel?id=abc&status=1", method: .get).status == .badRequest)
        }
        #expect(try await world.tickets.outbox(for: resident).map(\.status) == ["delivered", "failed"])
    }

    @Test func aBurstOfThreeHundredSimultaneousDeliveriesIsAbsorbed() async throws {
        let world = try TestGateway()
        // This asserts that nothing is lost, not how fast 300 requests on one connection go on a CI
        // machine busy with other suites.
        try await makeApp(world).live { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<300 {
                    group.addTask {
                        try await client.get("/sms/kannel?from=%2B2782\(String(format: "%07d", i))&to=40001&text=HELP&id=burst-\(i)").status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.count == 300)
            #expect(statuses.allSatisfy { $0 == .ok })
        }
        let counts = try await world.outbox.counts()
        #expect(counts[.pending] == 300)
    }
}
