import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
@testable import Web
import Testing

@Suite struct UssdWebhookTests {
    @Test func aWholeReportOverTheAfricasTalkingWebhook() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            var s = ATSession(client, sessionID: "ATUid_1")
            let first = try await s.post("")
            #expect(first.status == .ok)
            #expect(first.contentType?.hasPrefix("text/plain") == true)
            #expect(first.body.hasPrefix("CON Language"))
            #expect(try await s.send("1").hasPrefix("CON City services"))
            #expect(try await s.send("1").contains("Which service?"))
            #expect(try await s.send("1").contains("Burst pipe"))
            #expect(try await s.send("1").contains("Soweto"))
            #expect(try await s.send("1").contains("street address"))
            #expect(try await s.send("12 Vilakazi St").contains("Confirm: Burst pipe, Soweto, 12 Vilakazi St"))
            let done = try await s.send("1")
            #expect(done.hasPrefix("END Thank you. Your reference is "))
            let reference = try Reference(parsing: referenceDigits(done))
            #expect(try await world.tickets.publicTicket(reference) != nil)
        }
    }

    @Test func theSameFinalRequestRetriedReturnsTheSameReference() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            var s = ATSession(client, sessionID: "ATUid_retry")
            _ = try await s.dial()
            for input in ["1", "1", "2", "3", "4", "Near the school"] { _ = try await s.send(input) }
            let done = try await s.send("1")
            #expect(done.hasPrefix("END "))
            #expect(try await s.retry() == done)
            #expect(try await s.retry() == done)
            #expect(try await world.tickets.count() == 1)
        }
    }

    @Test func aStarTypedInTheAddressIsKept() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            var s = ATSession(client, sessionID: "ATUid_star")
            _ = try await s.dial()
            for input in ["1", "1", "1", "1", "1"] { _ = try await s.send(input) }
            #expect(try await s.send("Stand 12*B Main Rd #3").contains("Stand 12*B Main Rd #3"))
            let done = try await s.send("1")
            let reference = try Reference(parsing: referenceDigits(done))
            #expect(try await world.tickets.address(of: reference) == "Stand 12*B Main Rd #3")
        }
    }

    @Test func aDroppedReportIsResumedOnRedial() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            var first = ATSession(client, sessionID: "ATUid_drop")
            _ = try await first.dial()
            for input in ["1", "1", "3"] { _ = try await first.send(input) }   // English, report, roads
            // The network drops the session; the resident redials within the window.
            world.clock.advance(90)
            var second = ATSession(client, sessionID: "ATUid_redial")
            let offer = try await second.dial()
            #expect(offer == "CON You have an unfinished report.\n1 Continue\n2 Start again")
            let resumed = try await second.send("1")
            #expect(resumed.contains("What is the problem?") && resumed.contains("Pothole"))
            for input in ["1", "2", "Outside the clinic"] { _ = try await second.send(input) }
            let done = try await second.send("1")
            let reference = try Reference(parsing: referenceDigits(done))
            #expect(try await world.tickets.destination(of: reference)?.moe == "roads")
        }
    }

    @Test func aMistypedReferenceIsRejectedAndShowsNoTicket() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            var reporter = ATSession(client, sessionID: "ATUid_rep")
            _ = try await reporter.dial()
            for input in ["1", "1", "1", "1", "1", "12 Vilakazi St"] { _ = try await reporter.send(input) }
            let reference = referenceDigits(try await reporter.send("1"))
            var typo = Array(reference)
            typo[3] = typo[3] == "1" ? "2" : "1"

            var tracker = ATSession(client, sessionID: "ATUid_track", phone: "+27829999999")
            _ = try await tracker.dial()
            _ = try await tracker.send("1")     // English
            _ = try await tracker.send("2")     // track
            let rejected = try await tracker.send(String(typo))
            #expect(rejected.hasPrefix("CON That reference is not valid"))
            #expect(!rejected.contains("Water"))
            let shown = try await tracker.send(reference)
            #expect(shown.hasPrefix("END Ref \(try Reference(parsing: reference).grouped): New"))
            #expect(!shown.contains("+27") && !shown.contains("Vilakazi"))
        }
    }

    @Test func malformedRequestsGetAPoliteEndNotAnError() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            let bodies: [ByteBuffer] = [
                ByteBuffer(string: ""),
                ByteBuffer(string: "sessionId=abc"),
                ByteBuffer(string: "phoneNumber=%2B27821234567&text="),
                ByteBuffer(string: "sessionId=abc&phoneNumber=not-a-number&text="),
                ByteBuffer(string: "sessionId=abc&phoneNumber=%2B27821234567&text=%ZZ"),
                ByteBuffer(bytes: Array("sessionId=abc&phoneNumber=%2B27821234567&text=".utf8) + [0xC3, 0x28, 0xFF]),
                ByteBuffer(string: "sessionId=abc&phoneNumber=%2B27821234567&text=%C3%28"),
            ]
            for body in bodies {
                let r = try await client.execute(uri: "/ussd/africastalking", method: .post, headers: formHeaders, body: body)
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).hasPrefix("END Sorry"), "\(String(buffer: body))")
            }
        }
    }

    @Test func aMegabyteBodyIsRefusedWith413() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            let huge = ByteBuffer(string: "sessionId=a&phoneNumber=%2B27821234567&text=" + String(repeating: "1*", count: 600_000))
            let r = try await client.execute(uri: "/ussd/africastalking", method: .post, headers: formHeaders, body: huge)
            #expect(r.status == .contentTooLarge)
        }
    }

    @Test func endOfSessionNotificationIsAcknowledged() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            let r = try await client.execute(uri: "/ussd/africastalking", method: .post, headers: formHeaders, body: form([
                "sessionId": "ATUid_1", "phoneNumber": "+27821234567", "status": "Incomplete", "durationInMillis": "20000", "hopsCount": "3",
            ]))
            #expect(r.status == .ok)
        }
    }

    @Test func healthzAnswers() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            let r = try await client.execute(uri: "/healthz", method: .get)
            #expect(r.status == .ok)
            #expect(String(buffer: r.body) == "ok\n")
            let header = { (name: String) in r.headers.first { $0.name.canonicalName == name }?.value }
            #expect(header("x-frame-options") == "DENY")
            #expect(r.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            #expect(header("referrer-policy") == "no-referrer")
            #expect(header("x-content-type-options") == "nosniff")
        }
    }
}

@Suite struct MetricsTests {
    /// Request metrics are labelled by method; a method a stranger makes up is counted as `other`,
    /// so no request can add a series of its own.
    @Test func requestMetricsLabelOnlyStandardMethods() {
        #expect(RequestMetrics.label(.post) == "POST")
        #expect(RequestMetrics.label(.get) == "GET")
        #expect(RequestMetrics.label(HTTPRequest.Method("BREW")!) == "other")
    }

    @Test func metricsAreInThePrometheusTextFormatWithStoreGauges() async throws {
        let world = try TestGateway()
        var security = WebSecurity()
        security.metricsToken = "scrape-me-please-0123"
        try await makeApp(world, security: security).test(.router) { client in
            var s = ATSession(client, sessionID: "m1")
            _ = try await s.dial()
            for input in ["1", "1", "1", "1", "1", "12 Vilakazi St", "1"] { _ = try await s.send(input) }
            let r = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer scrape-me-please-0123"])
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: r.body)
            #expect(text.contains(#"civicgate_tickets{channel="ussd",status="new"} 1"#))
            #expect(text.contains(#"civicgate_outbox_messages{status="pending"} 1"#))
            #expect(text.contains("# TYPE civicgate_ussd_sessions gauge"))
            #expect(!text.contains("+27"))
        }
    }
}
