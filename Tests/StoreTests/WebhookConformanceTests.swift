import Domain
import Foundation
import Gateway
import TestSupport
import Testing

/// Webhooks on both stores: an event is queued in the transaction of the change that caused it,
/// for each subscription of the ticket's MOE that wants it, with the ticket as it stood then;
/// claimed one at a time per ticket (in order), with a lease another instance respects; retried,
/// given up after a day, and a subscription failing for a day disabled.
@Suite struct WebhookConformanceTests {
    /// Claims and delivers until nothing is due: every message in the order it went out.
    static func drain(_ store: any WebhookStore, at now: Date) async throws -> [WebhookMessage] {
        var out: [WebhookMessage] = []
        while true {
            let batch = try await store.claimWebhookMessages(limit: 50, now: now, retry: .init())
            if batch.isEmpty { return out }
            for m in batch { _ = try await store.recordWebhook(m, .delivered(status: 204), now: now, retry: .init()) }
            out += batch
        }
    }

    static func ticket(_ m: WebhookMessage) throws -> QueueTicket { try #require(try WebhookData.stored(m.data).ticket) }

    @Test(arguments: StoreKind.available)
    func eachChangeIsQueuedOnceForTheSubscriptionsThatWantItWithTheTicketAsItStoodThen(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let store = w.staff
            let all = try await store.addWebhook(moe: "water", url: "https://water.example.org/hook", events: WebhookEventType.allCases,
                                                 secret: .random(), at: w.now)
            let createdOnly = try await store.addWebhook(moe: "water", url: "https://water.example.org/new", events: [.ticketCreated],
                                                         secret: .random(), at: w.now)
            let roads = try await store.addWebhook(moe: "roads", url: "https://roads.example.org/hook", events: WebhookEventType.allCases,
                                                   secret: .random(), at: w.now)
            let tickets = try await w.tickets([("water.leak", "0821110001"), ("water.leak", "0821110002"), ("electricity.outage", "0821110003")])
            let (a, b) = (tickets[0], tickets[1])
            w.organisations.clock.advance(60)
            #expect(try await w.act(.acknowledge, on: a, scope: "water") == .done)
            #expect(try await w.act(.status(.inProgress, publicUpdate: "On site", internalNote: nil, expectedAt: nil), on: a, scope: "water") == .done)
            #expect(try await w.act(.status(.inProgress, publicUpdate: nil, internalNote: "an internal note alone", expectedAt: nil), on: a, scope: "water")
                    != .notFound)
            #expect(try await w.act(.duplicate(of: a), on: b, scope: "water") == .done)
            #expect(try await w.act(.reroute(moe: "roads", queue: "roads-general", reason: "a sinkhole, not a leak"), on: a, scope: "water") == .done)
            let incident = try await store.declare(IncidentDraft(service: "water", areas: ["soweto"], description: "Main burst"), moe: "water",
                                                   actor: "tester", address: nil, at: w.now)
            _ = try await store.changeIncident(incident.id, moe: "water", IncidentDraft(description: "Back by 18:00"), closing: false, broadcast: nil,
                                               actor: "tester", address: nil, at: w.now)
            _ = try await store.changeIncident(incident.id, moe: "water", IncidentDraft(description: "Back"), closing: true, broadcast: nil,
                                               actor: "tester", address: nil, at: w.now)

            let sent = try await Self.drain(store, at: w.now)
            let toAll = sent.filter { $0.subscriptionID == all }
            func story(_ r: Reference, _ list: [WebhookMessage]) throws -> [String] {
                try list.filter { try $0.type.rawValue.hasPrefix("ticket") && Self.ticket($0).reference == r.digits }
                    .map { "\($0.type.rawValue) \(try Self.ticket($0).status.rawValue) \(try Self.ticket($0).moe)" }
            }
            // Per ticket in order; the note alone is not told; re-routed away (new in its new MOE) is a change for water.
            let storyA = try story(a, toAll)
            #expect(storyA == ["ticket.created new water", "ticket.changed acknowledged water", "ticket.changed in_progress water",
                                             "ticket.changed new roads"], "\(storyA)")
            #expect(try story(b, toAll) == ["ticket.created new water", "ticket.changed duplicate water"])
            #expect(try Self.ticket(toAll.first { try $0.type == .ticketChanged && Self.ticket($0).reference == b.digits }!).duplicateOf == a.digits)
            #expect(toAll.filter { $0.type.rawValue.hasPrefix("incident") }.map(\.type) == [.incidentDeclared, .incidentUpdated, .incidentClosed])
            let closed = try #require(try WebhookData.stored(toAll.last { $0.type == .incidentClosed }!.data).incident)
            #expect(closed.status == "closed" && closed.description == "Back")
            // The subscription for created only, and the new MOE hears the re-routed ticket as created.
            #expect(sent.filter { $0.subscriptionID == createdOnly }.map(\.type) == [.ticketCreated, .ticketCreated])
            #expect(try sent.filter { $0.subscriptionID == roads }.map { "\($0.type.rawValue) \(try Self.ticket($0).reference)" } == ["ticket.created \(a.digits)"])
            // Nothing for an MOE without a subscription; every message its own id; no number anywhere.
            #expect(try sent.allSatisfy { try $0.type.rawValue.hasPrefix("incident") || Self.ticket($0).moe != "electricity" })
            #expect(Set(sent.map(\.messageID)).count == sent.count)
            #expect(!sent.contains { $0.data.contains("821110001") || $0.data.contains("821110002") })
            #expect(try await Self.drain(store, at: w.now).isEmpty, "each once")
            let listed = try await store.webhooks(moe: "water")
            #expect(listed.map(\.id) == [all, createdOnly] && listed[0].delivered == toAll.count && listed[0].pending == 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func aFailedMessageIsRetriedInOrderLeasesHoldAndADayOfFailuresDisablesTheSubscription(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let store = w.staff
            let retry = WebhookRetry()
            let id = try await store.addWebhook(moe: "water", url: "https://water.example.org/hook", events: WebhookEventType.allCases, secret: .random(), at: w.now)
            let a = try #require(try await w.tickets([("water.leak", "0821110001")]).first)
            #expect(try await w.act(.acknowledge, on: a, scope: "water") == .done)
            let start = w.now

            // Only the ticket's oldest message is claimed; a second claim while leased gets nothing.
            let first = try await store.claimWebhookMessages(limit: 10, now: start, retry: retry)
            try #require(first.count == 1)
            #expect(first[0].type == .ticketCreated && first[0].attempt == 1)
            #expect(try await store.claimWebhookMessages(limit: 10, now: start, retry: retry).isEmpty)
            // The instance died: a lease later another takes it over, with the same webhook-id.
            let takenOver = try await store.claimWebhookMessages(limit: 10, now: start.addingTimeInterval(retry.lease + 1), retry: retry)
            try #require(takenOver.count == 1)
            #expect(takenOver[0].messageID == first[0].messageID && takenOver[0].attempt == 2)
            // The first holder's late answer changes nothing; the new holder's failure is retried within a minute.
            _ = try await store.recordWebhook(first[0], .delivered(status: 200), now: start, retry: retry)
            var now = start.addingTimeInterval(retry.lease + 2)
            #expect(try await store.recordWebhook(takenOver[0], .failed(status: 503, error: "HTTP 503"), now: now, retry: retry) == nil)
            #expect(try await store.claimWebhookMessages(limit: 10, now: now.addingTimeInterval(5), retry: retry).isEmpty, "the receiver waits out its failure")
            #expect(retry.delay(afterFailures: takenOver[0].attempt) < 60)
            let again = try await store.claimWebhookMessages(limit: 10, now: now.addingTimeInterval(retry.delay(afterFailures: takenOver[0].attempt) + 1),
                                                             retry: retry)
            try #require(again.count == 1)
            #expect(again[0].messageID == first[0].messageID && again[0].attempt == 3, "retried within a minute")
            let deliveries = try await store.webhookDeliveries(subscription: id, moe: "water", limit: 10)
            #expect(deliveries.first { $0.messageID == first[0].messageID }?.lastStatus == 503)

            // Failing for a day: the message is given up on and the subscription disabled.
            now = start.addingTimeInterval(retry.giveUpAfter + 120)
            let disabled = try await store.recordWebhook(again[0], .failed(status: nil, error: "connection refused"), now: now, retry: retry)
            #expect(disabled?.id == id && disabled?.disabledAt != nil && disabled?.disabledReason?.contains("connection refused") == true)
            #expect(try await store.claimWebhookMessages(limit: 10, now: now.addingTimeInterval(3600), retry: retry).isEmpty, "disabled: nothing goes")
            let states = try await store.webhookDeliveries(subscription: id, moe: "water", limit: 10).map(\.state)
            #expect(states.sorted { $0.rawValue < $1.rawValue } == [.failed, .pending])

            // Enabled again and the failed one resent: both go, in order, the same ids.
            #expect(try await store.enableWebhook(id, moe: "roads", at: now) == false, "another MOE's")
            #expect(try await store.enableWebhook(id, moe: nil, at: now))
            let failedID = try #require(try await store.webhookDeliveries(subscription: id, moe: nil, limit: 10).first { $0.state == .failed }?.id)
            #expect(try await store.resendWebhook(message: failedID, moe: nil, now: now))
            let resent = try await Self.drain(store, at: now.addingTimeInterval(1))
            try #require(resent.count == 2)
            #expect(resent.map(\.type) == [.ticketCreated, .ticketChanged] && resent[0].messageID == first[0].messageID)

            // Removed: its messages go with it.
            #expect(try await store.removeWebhook(id, moe: "roads") == false)
            #expect(try await store.removeWebhook(id, moe: nil))
            #expect(try await store.webhooks(moe: nil).isEmpty)
            #expect(try await store.dropDeliveredWebhooks(before: now.addingTimeInterval(86400)) == 0)
        }
    }

    /// Two instances claiming at once never hold the same message.
    @Test(arguments: StoreKind.available)
    func claimsAtTheSameTimeNeverShareAMessage(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let store = w.staff
            _ = try await store.addWebhook(moe: "water", url: "https://water.example.org/hook", events: [.ticketCreated], secret: .random(), at: w.now)
            _ = try await w.tickets((0..<60).map { ("water.leak", "08211100\(String(format: "%02d", $0))") })
            let now = w.now
            let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for _ in 0..<4 { group.addTask { try await store.claimWebhookMessages(limit: 20, now: now, retry: .init()).map(\.id) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let ids = claims.flatMap { $0 }
            #expect(ids.count == 60 && Set(ids).count == 60)
        }
    }
}
