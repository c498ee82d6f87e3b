import Domain
import Foundation
import Gateway
import Mail
import Store
import TestSupport
import Testing

/// Staff e-mail: the message as RFC 5322 wants it, sent through libcurl's SMTP to a loopback stub,
/// retried or failed visibly.
@Suite struct MailTests {
    @Test func aMessageHasCRLFLinesAndNoWayToInjectAHeader() {
        let m = MailMessage(from: "civicgate@city.gov.za", to: "sipho@example.org", subject: "Level 1\r\nBcc: everyone@example.org",
                            body: "Line one\nLine two\n.\nafter a dot", date: Date(timeIntervalSince1970: 1_795_000_000))
        let text = m.rfc5322
        #expect(text.contains("Subject: Level 1  Bcc: everyone@example.org\r\n"), "the CR LF became spaces: one header")
        #expect(!text.contains("\r\nBcc:"))
        #expect(text.contains("Date: Wed, 18 Nov 2026 11:06:40 +0000\r\n"))
        #expect(text.hasSuffix("\r\n\r\nLine one\r\nLine two\r\n.\r\nafter a dot\r\n"))
        #expect(MailMessage(from: "a@b.co", to: "c@d.co", subject: "Ulwazi olubalulekile ngé", body: "", date: .now).rfc5322.contains("Subject: =?UTF-8?B?"))
        for bad in ["", "no-at-sign", "two@@example.org", "sipho@example.org\r\nRCPT TO:<x@y.z>", "a b@example.org", "<a@example.org>"] {
            #expect(!MailMessage.isAddress(bad), "\(bad)")
        }
        #expect(SMTPSettings(url: "http://mail.example.org", from: "a@b.co") == nil)
        #expect(SMTPSettings(url: "smtp://127.0.0.1:2525", from: "not an address") == nil)
    }

    @Test func anEscalationEmailIsSentThroughSMTPOnceAndRecorded() async throws {
        let stub = try StubSMTP()
        defer { stub.stop() }
        let world = try TestGateway()
        try await world.database.writer.write { db in
            try db.execute(sql: """
                INSERT INTO staff_mail (address, subject, body, next_attempt_at, created_at, updated_at)
                VALUES ('sipho@example.org', 'CivicGate escalation level 1: ticket 123', 'Line one\n.\nLine three', ?1, ?1, ?1)
                """, arguments: [world.clock.now()])
        }
        let sender = MailSender(mailbox: world.staff, settings: SMTPSettings(url: "smtp://127.0.0.1:\(stub.port)", from: "civicgate@city.gov.za"),
                                clock: world.clock, logger: .init(label: "test"))
        #expect(try await sender.sendDue() == 1)
        #expect(try await sender.sendDue() == 0, "sent once")
        #expect(try await world.staff.mailCounts() == [.sent: 1])
        let message = try #require(stub.messages.first)
        #expect(message.from == "civicgate@city.gov.za" && message.to == ["sipho@example.org"])
        #expect(message.data.contains("Subject: CivicGate escalation level 1: ticket 123\r\n"))
        #expect(message.data.hasSuffix("\r\nLine one\r\n..\r\nLine three\r\n"),
                "a lone dot is doubled on the wire (the stub keeps it as sent), so it does not end the message early")
    }

    @Test func aRefusedRecipientFailsVisiblyAndAnUnreachableServerIsRetried() async throws {
        let refusing = try StubSMTP(refuseRecipients: true)
        defer { refusing.stop() }
        let world = try TestGateway()
        func queue(_ address: String) async throws {
            try await world.database.writer.write { db in
                try db.execute(sql: "INSERT INTO staff_mail (address, subject, body, next_attempt_at, created_at, updated_at) VALUES (?, 's', 'b', ?2, ?2, ?2)",
                               arguments: [address, world.clock.now()])
            }
        }
        try await queue("nobody@example.org")
        let sender = MailSender(mailbox: world.staff, settings: SMTPSettings(url: "smtp://127.0.0.1:\(refusing.port)", from: "civicgate@city.gov.za"),
                                clock: world.clock, logger: .init(label: "test"))
        #expect(try await sender.sendDue() == 1)
        #expect(try await world.staff.mailCounts() == [.failed: 1], "550: never going through")
        let error = try await world.database.writer.read { db in try String.fetchOne(db, sql: "SELECT last_error FROM staff_mail") }
        #expect(error?.contains("550") == true)

        // Nobody listening: tried again later, not lost.
        refusing.stop()
        try await queue("sipho@example.org")
        let down = MailSender(mailbox: world.staff, settings: SMTPSettings(url: "smtp://127.0.0.1:\(refusing.port)", from: "civicgate@city.gov.za"),
                              clock: world.clock, logger: .init(label: "test"))
        #expect(try await down.sendDue() == 1)
        #expect(try await world.staff.mailCounts() == [.failed: 1, .pending: 1])
        #expect(try await down.sendDue() == 0, "not before its retry time")
        world.clock.advance(60)
        #expect(try await down.sendDue() == 1)

        // Without an SMTP server configured, a queued message fails at once, saying so.
        let none = MailSender(mailbox: world.staff, settings: nil, clock: world.clock, logger: .init(label: "test"))
        world.clock.advance(3600)
        #expect(try await none.sendDue() == 1)
        #expect(try await world.staff.mailCounts() == [.failed: 2])
    }
}
