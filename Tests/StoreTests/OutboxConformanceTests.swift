import Domain
import Foundation
import Gateway
import GRDB
import Logging
import PostgresNIO
import PostgresStore
@testable import Store
import Synchronization
import TestSupport
import Testing

/// The stores a conformance test runs on: SQLite always; PostgreSQL when
/// `CIVICGATE_TEST_POSTGRES_URL` names a server (`.ci/run` starts one).
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    static var available: [StoreKind] {
        ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"].map { _ in [.sqlite, .postgres] } ?? [.sqlite]
    }

    var testDescription: String { rawValue }
}

/// An outbox on a fresh database of one kind, with what a test needs to set the scene and look.
struct OutboxWorld: Sendable {
    let store: any OutboxStore
    let enqueue: @Sendable (_ to: MSISDN, _ body: String, _ at: Date) async throws -> Void
    /// As an incident's broadcast queues it: after every reply that is due.
    let enqueueBroadcast: @Sendable (_ to: MSISDN, _ body: String, _ at: Date) async throws -> Void
    let optOut: @Sendable (MSISDN) async throws -> Void
    let statuses: @Sendable (MSISDN) async throws -> [String]
    /// Each message to the number: "status provider-id segments error", `-` for a column not set.
    let outcomes: @Sendable (MSISDN) async throws -> [String]

    static func with(_ kind: StoreKind, _ body: (OutboxWorld) async throws -> Void) async throws {
        switch kind {
        case .sqlite:
            let db = try AppDatabase.inMemory()
            try await body(OutboxWorld(
                store: SQLiteOutboxStore(db),
                enqueue: { to, text, at in try await db.writer.write { try OutboxRows.enqueue($0, OutboundSMS(to: to, body: text), ticketID: nil, at: at) } },
                enqueueBroadcast: { to, text, at in
                    try await db.writer.write {
                        try $0.execute(sql: "INSERT INTO outbox (msisdn, body, priority, next_attempt_at, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?)",
                                       arguments: [to.e164, text, at, at, at])
                    }
                },
                optOut: { m in try await db.writer.write { try $0.execute(sql: "INSERT INTO subscribers (msisdn, opted_out, updated_at) VALUES (?, 1, ?)", arguments: [m.e164, Date()]) } },
                statuses: { m in try await db.writer.read { try String.fetchAll($0, sql: "SELECT status FROM outbox WHERE msisdn = ? ORDER BY id", arguments: [m.e164]) } },
                outcomes: { m in
                    try await db.writer.read {
                        try Row.fetchAll($0, sql: "SELECT status, provider_message_id, segments, last_error FROM outbox WHERE msisdn = ? ORDER BY id",
                                         arguments: [m.e164]).map { row in
                            OutboxWorld.outcome(row[0], row[1], row[2], row[3])
                        }
                    }
                }))
        case .postgres:
            try await FreshPostgres.with { database in
                let client = database.client
                try await body(OutboxWorld(
                    store: PostgresOutboxStore(database),
                    enqueue: { to, text, at in
                        try await client.query("""
                            INSERT INTO outbox (msisdn, body, next_attempt_at, created_at, updated_at) VALUES (\(to.e164), \(text), \(at), \(at), \(at))
                            """)
                    },
                    enqueueBroadcast: { to, text, at in
                        try await client.query("""
                            INSERT INTO outbox (msisdn, body, priority, next_attempt_at, created_at, updated_at) VALUES (\(to.e164), \(text), 1, \(at), \(at), \(at))
                            """)
                    },
                    optOut: { m in try await client.query("INSERT INTO subscribers (msisdn, opted_out, updated_at) VALUES (\(m.e164), true, now())") },
                    statuses: { m in
                        var out: [String] = []
                        for try await s in try await client.query("SELECT status FROM outbox WHERE msisdn = \(m.e164) ORDER BY id").decode(String.self) { out.append(s) }
                        return out
                    },
                    outcomes: { m in
                        var out: [String] = []
                        for try await (status, provider, segments, error) in try await client.query("""
                            SELECT status, provider_message_id, segments, last_error FROM outbox WHERE msisdn = \(m.e164) ORDER BY id
                            """).decode((String, String?, Int?, String?).self) {
                            out.append(OutboxWorld.outcome(status, provider, segments, error))
                        }
                        return out
                    }))
            }
        }
    }
}

extension OutboxWorld {
    static func outcome(_ status: String, _ provider: String?, _ segments: Int?, _ error: String?) -> String {
        [status, provider ?? "-", segments.map(String.init) ?? "-", error ?? "-"].joined(separator: " ")
    }
}

/// The outbox contract, written once and run against every store.
@Suite struct OutboxConformanceTests {
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    let alice = MSISDN("+27821000001")!, bob = MSISDN("+27821000002")!, carol = MSISDN("+27821000003")!

    @Test(arguments: StoreKind.available)
    func dueMessagesAreClaimedOnceAndEveryResultIsRecorded(_ kind: StoreKind) async throws {
        try await OutboxWorld.with(kind) { w in
            for (to, text) in [(alice, "one"), (bob, "two"), (carol, "three")] { try await w.enqueue(to, text, start) }
            try await w.optOut(carol)
            let claimed = try await w.store.claimDue(limit: 10, now: start)
            #expect(claimed.map(\.body) == ["one", "two"])
            #expect(claimed.allSatisfy { $0.attempt == 1 })
            #expect(try await w.statuses(carol) == ["suppressed"], "STOP wins, visibly")
            #expect(try await w.store.claimDue(limit: 10, now: start).isEmpty, "claimed once")
            try await w.store.record([(claimed[0], .accepted(providerID: "P-1")), (claimed[1], .temporary("503"))], now: start,
                                     retry: RetryPolicy(firstDelay: 2, cap: 60, maxAttempts: 2))
            #expect(try await w.statuses(alice) == ["sent"])
            #expect(try await w.statuses(bob) == ["pending"])
            #expect(try await w.store.nextDue().map { abs($0.timeIntervalSince(start.addingTimeInterval(2))) < 0.01 } == true)
            #expect(try await w.store.claimDue(limit: 10, now: start.addingTimeInterval(1)).isEmpty, "not before the back-off")
            let again = try await w.store.claimDue(limit: 10, now: start.addingTimeInterval(2))
            #expect(again.map(\.body) == ["two"] && again.first?.attempt == 2)
            try await w.store.record([(again[0], .temporary("503"))], now: start.addingTimeInterval(2), retry: RetryPolicy(firstDelay: 2, cap: 60, maxAttempts: 2))
            #expect(try await w.statuses(bob) == ["failed"], "out of attempts")
        }
    }

    /// A claim's outcomes are recorded together, each message with its own values: its provider's
    /// id and segments, its own back-off by its attempt, its own error. A message whose delivery
    /// report came first is not put back to `sent`.
    @Test(arguments: StoreKind.available)
    func aClaimOfEveryKindOfOutcomeIsRecordedMessageByMessage(_ kind: StoreKind) async throws {
        try await OutboxWorld.with(kind) { w in
            let long = String(repeating: "A long notice about the water. ", count: 6)  // 186 characters: two segments
            let numbers = (0..<7).map { MSISDN("+2782300\(String(format: "%04d", $0))")! }
            for (i, to) in numbers.enumerated() { try await w.enqueue(to, i == 1 ? long : "message \(i)", start) }
            let retry = RetryPolicy(firstDelay: 2, cap: 60, maxAttempts: 3)
            // Message 4 is on its second attempt: its back-off is longer than message 3's.
            var claimed = try await w.store.claimDue(limit: 10, now: start)
            try #require(claimed.count == 7)
            try await w.store.record([(claimed[4], .temporary("busy"))], now: start, retry: retry)
            let second = try #require(try await w.store.claimDue(limit: 10, now: start.addingTimeInterval(2)).first)
            #expect(second.id == claimed[4].id && second.attempt == 2)
            claimed[4] = second
            // Message 2's delivery report (by our id, as Kannel's) arrives before its send is recorded.
            #expect(try await w.store.apply([DeliveryReport(message: .outboxID(claimed[2].id), state: .delivered)], now: start) == [true])
            try await w.store.record([
                (claimed[0], .accepted(providerID: "P-0")), (claimed[1], .accepted(providerID: "P-1")),
                (claimed[2], .accepted(providerID: "P-2")),
                (claimed[3], .temporary("503 from the provider")), (claimed[4], .temporary("timed out")),
                (claimed[5], .permanent("unknown subscriber")), (claimed[6], .accepted(providerID: nil)),
            ], now: start.addingTimeInterval(3), retry: retry)
            #expect(try await w.outcomes(numbers[0]) == ["sent P-0 1 -"])
            #expect(try await w.outcomes(numbers[1]) == ["sent P-1 2 -"])
            #expect(try await w.outcomes(numbers[2]) == ["delivered - - -"], "a report's state is never undone")
            #expect(try await w.outcomes(numbers[3]) == ["pending - - 503 from the provider"])
            #expect(try await w.outcomes(numbers[4]) == ["pending - - timed out"])
            #expect(try await w.outcomes(numbers[5]) == ["failed - - unknown subscriber"])
            #expect(try await w.outcomes(numbers[6]) == ["sent - 1 -"])
            // Each retry falls due after its own back-off: message 3 after 2 s, message 4 after 4 s.
            let at = start.addingTimeInterval(3)
            #expect(try await w.store.claimDue(limit: 10, now: at.addingTimeInterval(1.9)).isEmpty)
            #expect(try await w.store.claimDue(limit: 10, now: at.addingTimeInterval(2)).map(\.id) == [claimed[3].id])
            #expect(try await w.store.claimDue(limit: 10, now: at.addingTimeInterval(3.9)).isEmpty)
            #expect(try await w.store.claimDue(limit: 10, now: at.addingTimeInterval(4)).map(\.id) == [claimed[4].id])
        }
    }

    @Test(arguments: StoreKind.available)
    func aBroadcastQueuedFirstWaitsBehindRepliesQueuedAfterIt(_ kind: StoreKind) async throws {
        try await OutboxWorld.with(kind) { w in
            for i in 0..<50 { try await w.enqueueBroadcast(MSISDN("+2782200\(String(format: "%04d", i))")!, "news \(i)", start) }
            try await w.enqueue(alice, "your reference", start.addingTimeInterval(5))
            let first = try await w.store.claimDue(limit: 10, now: start.addingTimeInterval(5))
            #expect(first.map(\.body) == ["your reference"] + (0..<9).map { "news \($0)" }, "the confirmation first, then the news in order")
            try await w.enqueue(bob, "another reference", start.addingTimeInterval(6))
            #expect(try await w.store.claimDue(limit: 2, now: start.addingTimeInterval(6)).map(\.body) == ["another reference", "news 9"])
        }
    }

    @Test(arguments: StoreKind.available)
    func pastTheDailyCapAMessageIsHeldUntilTheNextDay(_ kind: StoreKind) async throws {
        try await OutboxWorld.with(kind) { w in
            for i in 0..<5 { try await w.enqueue(alice, "m\(i)", start) }
            try await w.enqueue(bob, "other", start)
            let cap = DailySMSCap(limit: 3, since: start.addingTimeInterval(-3600), nextDay: start.addingTimeInterval(3600))
            let today = try await w.store.claimDue(limit: 10, now: start, cap: cap)
            #expect(today.filter { $0.to == alice }.count == 3 && today.contains { $0.to == bob })
            #expect(try await w.statuses(alice) == ["sending", "sending", "sending", "held", "held"])
            #expect(try await w.store.claimDue(limit: 10, now: start.addingTimeInterval(30), cap: cap).isEmpty, "claimed, within the lease")
            try await w.store.record(today.map { ($0, .accepted(providerID: nil)) }, now: start.addingTimeInterval(60), retry: .init())
            let tomorrow = DailySMSCap(limit: 3, since: start.addingTimeInterval(3600), nextDay: start.addingTimeInterval(90_000))
            #expect(try await w.store.claimDue(limit: 10, now: start.addingTimeInterval(3600), cap: tomorrow).count == 2)
        }
    }

    @Test(arguments: StoreKind.available)
    func deliveryReportsMoveOnlyHandedOverMessagesAndNeverBack(_ kind: StoreKind) async throws {
        try await OutboxWorld.with(kind) { w in
            try await w.enqueue(alice, "one", start)
            try await w.enqueue(bob, "two", start)
            let ids = try await w.store.claimDue(limit: 1, now: start).map(\.id)
            // Bob's message is still queued: a report for it (forged or early) changes nothing.
            let bobID = ids[0] + 1
            #expect(try await w.store.apply([DeliveryReport(message: .outboxID(bobID), state: .delivered)], now: start) == [false])
            #expect(try await w.statuses(bob) == ["pending"])
            try await w.store.record([(OutboxMessage(id: ids[0], to: alice, body: "one", attempt: 1), .accepted(providerID: "ATX-1"))],
                                     now: start, retry: .init())
            let known = try await w.store.apply([DeliveryReport(message: .providerID("ATX-1"), state: .sent),
                                                 DeliveryReport(message: .outboxID(ids[0]), state: .delivered),
                                                 DeliveryReport(message: .outboxID(ids[0]), state: .failed, reason: "late"),
                                                 DeliveryReport(message: .providerID("nobody"), state: .delivered)], now: start)
            #expect(known == [true, true, true, false])
            #expect(try await w.statuses(alice) == ["delivered"])
        }
    }

    /// Reports stored together (`DeliveryReports`' batch) have the effect of one after another:
    /// two reports for one message in a batch apply in their order, each report is known or not
    /// on its own, and a batch of hundreds of messages is answered report by report.
    @Test(arguments: StoreKind.available)
    func aBatchOfReportsEndsAsTheSameReportsOneAfterAnother(_ kind: StoreKind) async throws {
        try await OutboxWorld.with(kind) { w in
            let numbers = (0..<7).map { MSISDN("+2782400\(String(format: "%04d", $0))")! }
            for (i, to) in numbers.enumerated() { try await w.enqueue(to, "message \(i)", start) }
            let claimed = try await w.store.claimDue(limit: 6, now: start)
            try #require(claimed.count == 6)
            let queued = claimed[5].id + 1  // the seventh is still queued
            // Messages 0-4 were accepted with the provider's ids; 5 is still being handed over.
            try await w.store.record((0..<5).map { (claimed[$0], .accepted(providerID: "P\($0)")) }, now: start, retry: .init())
            let known = try await w.store.apply([
                DeliveryReport(message: .outboxID(claimed[0].id), state: .sent),
                DeliveryReport(message: .outboxID(claimed[1].id), state: .delivered),
                DeliveryReport(message: .outboxID(claimed[0].id), state: .delivered),
                DeliveryReport(message: .providerID("P2"), state: .failed, reason: "absent subscriber"),
                DeliveryReport(message: .outboxID(claimed[1].id), state: .failed, reason: "late"),
                DeliveryReport(message: .providerID("P3"), state: .delivered),
                DeliveryReport(message: .outboxID(claimed[5].id), state: .delivered),
                DeliveryReport(message: .outboxID(queued), state: .delivered),
                DeliveryReport(message: .providerID("nobody"), state: .sent),
                DeliveryReport(message: .outboxID(claimed[0].id), state: .failed),
            ], now: start.addingTimeInterval(1))
            #expect(known == [true, true, true, true, true, true, true, false, false, true])
            #expect(try await w.outcomes(numbers[0]) == ["delivered P0 1 -"], "sent, then delivered; a failure after it is not applied")
            #expect(try await w.outcomes(numbers[1]) == ["delivered P1 1 -"])
            #expect(try await w.outcomes(numbers[2]) == ["failed P2 1 absent subscriber"])
            #expect(try await w.outcomes(numbers[3]) == ["delivered P3 1 -"])
            #expect(try await w.outcomes(numbers[4]) == ["sent P4 1 -"], "no report, no change")
            #expect(try await w.outcomes(numbers[5]) == ["delivered - - -"], "a report may come before the send is recorded")
            #expect(try await w.statuses(numbers[6]) == ["pending"], "a queued message is never marked by a report")

            // Three hundred messages (the seventh above among them), a report each, in one batch.
            let many = (0..<300).map { MSISDN("+2782500\(String(format: "%04d", $0))")! }
            for to in many { try await w.enqueue(to, "news", start) }
            let sent = try await w.store.claimDue(limit: 300, now: start.addingTimeInterval(2))
            try #require(sent.count == 300)
            try await w.store.record(sent.map { ($0, .accepted(providerID: "N\($0.id)")) }, now: start.addingTimeInterval(2), retry: .init())
            let reports = sent.map { DeliveryReport(message: .providerID("N\($0.id)"), state: .delivered) }
            #expect(try await w.store.apply(reports, now: start.addingTimeInterval(3)) == Array(repeating: true, count: 300))
            for m in [sent[0], sent[150], sent[299]] { #expect(try await w.statuses(m.to).last == "delivered") }
        }
    }

    /// A burst of reports past a thousand is stored a thousand at a time, in order: 22,000 in one
    /// statement would bind 66,000 values, past the 65,535 PostgreSQL's protocol takes (and
    /// SQLite's limit, 32,766 as built by default, is lower).
    @Test(arguments: StoreKind.available)
    func twentyTwoThousandReportsAtOnceAreEachAnswered(_ kind: StoreKind) async throws {
        try await OutboxWorld.with(kind) { w in
            try await w.enqueue(alice, "one", start)
            try await w.enqueue(bob, "two", start)
            let claimed = try await w.store.claimDue(limit: 2, now: start)
            try #require(claimed.count == 2)
            try await w.store.record([(claimed[0], .accepted(providerID: "P-A")), (claimed[1], .accepted(providerID: "P-B"))],
                                     now: start, retry: .init())
            // 21,999 reports for no message, each a message of its own (one run, were it not cut).
            var reports = (0..<21_999).map { DeliveryReport(message: .outboxID(1_000_000 + Int64($0)), state: .delivered) }
            // Alice's three reports straddle the end of a thousand: they still apply in order.
            reports += [DeliveryReport(message: .outboxID(claimed[0].id), state: .sent),
                        DeliveryReport(message: .outboxID(claimed[0].id), state: .delivered),
                        DeliveryReport(message: .outboxID(claimed[0].id), state: .failed),
                        DeliveryReport(message: .providerID("P-B"), state: .failed, reason: "absent subscriber")]
            let known = try await w.store.apply(reports, now: start.addingTimeInterval(1))
            #expect(known.count == 22_003)
            #expect(known.indices.filter { known[$0] } == [21_999, 22_000, 22_001, 22_002])
            #expect(try await w.outcomes(alice) == ["delivered P-A 1 -"])
            #expect(try await w.outcomes(bob) == ["failed P-B 1 absent subscriber"])
        }
    }

    @Test(arguments: StoreKind.available)
    func aMessageClaimedByASenderThatDiedIsSentAgain(_ kind: StoreKind) async throws {
        try await OutboxWorld.with(kind) { w in
            try await w.enqueue(alice, "one", start)
            let first = try await w.store.claimDue(limit: 10, now: start)
            #expect(first.count == 1)
            // The sender dies before recording. A restart (SQLite) or the lease running out
            // (PostgreSQL, where other instances may still be sending) hands it out again.
            _ = try await w.store.releaseClaims()
            let later = start.addingTimeInterval(121)
            let again = try await w.store.claimDue(limit: 10, now: later)
            #expect(again.map(\.id) == first.map(\.id))
            #expect(again.first?.attempt == 2)
        }
    }

    /// A dead instance's claim runs out within a minute; a live sender that renews its claim while it
    /// works through a long batch keeps it, so no other instance sends the same messages meanwhile.
    @Test(.enabled(if: StoreKind.available.contains(.postgres)))
    func aClaimRunsOutWithinAMinuteUnlessItsSenderRenewsIt() async throws {
        try await OutboxWorld.with(.postgres) { w in
            try await w.enqueue(alice, "one", start)
            try await w.enqueue(bob, "two", start)
            let claimed = try await w.store.claimDue(limit: 10, now: start)
            #expect(claimed.count == 2)
            #expect(try await w.store.claimDue(limit: 10, now: start.addingTimeInterval(40)).isEmpty, "still held")
            try await w.store.renewClaims([claimed[1].id], now: start.addingTimeInterval(40))
            let taken = try await w.store.claimDue(limit: 10, now: start.addingTimeInterval(60))
            #expect(taken.map(\.id) == [claimed[0].id], "the unrenewed claim ran out within a minute; the renewed one holds")
            #expect(try await w.store.claimDue(limit: 10, now: start.addingTimeInterval(84)).isEmpty, "renewed until 85")
            #expect(try await w.store.claimDue(limit: 10, now: start.addingTimeInterval(86)).map(\.id) == [claimed[1].id])
        }
    }

    @Test(arguments: StoreKind.available)
    func concurrentSendersNeverTakeTheSameMessage(_ kind: StoreKind) async throws {
        try await OutboxWorld.with(kind) { w in
            for i in 0..<120 { try await w.enqueue(MSISDN("+2782200\(String(format: "%04d", i))")!, "m\(i)", start) }
            let ids = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let batch = try await w.store.claimDue(limit: 7, now: start)
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0 += $1 }
            }
            #expect(ids.count == 120)
            #expect(Set(ids).count == 120, "no message was claimed twice")
        }
    }

    @Test(arguments: StoreKind.available)
    func concurrentSendersUnderTheCapWaitForEachOtherAndHandEachNumberItsLimit(_ kind: StoreKind) async throws {
        try await OutboxWorld.with(kind) { w in
            // Pairs of numbers in alternating order: two senders each claiming one pair would
            // lock the same two numbers in opposite orders if locks followed the batch.
            let numbers = (0..<4).map { MSISDN("+2782300000\($0)")! }
            var order: [MSISDN] = []
            for round in 0..<5 {
                for (a, b) in [(0, 1), (2, 3), (1, 2), (3, 0)] {
                    order += round % 2 == 0 ? [numbers[a], numbers[b], numbers[b], numbers[a]] : [numbers[b], numbers[a], numbers[a], numbers[b]]
                }
            }
            for (i, to) in order.enumerated() { try await w.enqueue(to, "m\(i)", start) }
            let cap = DailySMSCap(limit: 6, since: start.addingTimeInterval(-3600), nextDay: start.addingTimeInterval(3600))
            var claimed = try await withThrowingTaskGroup(of: [OutboxMessage].self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        var mine: [OutboxMessage] = []
                        while true {
                            let batch = try await w.store.claimDue(limit: 2, now: start, cap: cap)
                            if batch.isEmpty { return mine }
                            mine += batch
                        }
                    }
                }
                return try await group.reduce(into: [OutboxMessage]()) { $0 += $1 }
            }
            // A batch that was all held comes back empty and ended its sender: one more pass
            // takes whatever is still due.
            claimed += try await w.store.claimDue(limit: 1000, now: start, cap: cap)
            #expect(Set(claimed.map(\.id)).count == claimed.count, "no message was claimed twice")
            for number in numbers {
                #expect(claimed.filter { $0.to == number }.count == 6, "\(number): handed its daily limit, no more")
                let statuses = try await w.statuses(number)
                #expect(statuses.filter { $0 == "held" }.count == order.filter { $0 == number }.count - 6, "\(statuses)")
            }
        }
    }
}
