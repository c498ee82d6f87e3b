import Domain
import Foundation
import Gateway
import TestSupport
import Testing

/// Area alerts on both stores: residents' subscriptions (bounded, in the subject's data, erased
/// with it), an incident's alerts scheduled in its own transaction, and a due alert queued a chunk
/// of numbers at a time: one SMS per number in its language, once, marked to wait out the night.
@Suite struct AlertConformanceTests {
    @Test(arguments: StoreKind.available)
    func subscriptionsAreBoundedExportedAndErased(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let number = MSISDN("+27821240001")!
            func text(_ body: String) async { await w.sms.handle(InboundSMS(provider: "test", providerID: nil, from: number, to: nil, text: body)) }
            await text("ALERTS Soweto, Lenasia")
            await text("ALERTS Soweto")  // again: renewed, not doubled
            let subjects = try #require(w.retention as? any SubjectStore)
            #expect(Set(try await subjects.subjectData(number).alert_areas.map(\.area)) == ["soweto", "lenasia"])
            // Two more would be four: refused, nothing added.
            await text("ALERTS Sandton, Midrand")
            #expect(try await subjects.subjectData(number).alert_areas.count == 2)
            await text("ALERTS Sandton")
            #expect(try await subjects.subjectData(number).alert_areas.count == 3)
            #expect(try await w.staff.alertReach(areas: ["soweto", "lenasia"]) == 1, "a number once, however many of the areas it follows")
            _ = try await subjects.erase(number, pseudonym: StaffWorld.pseudonyms.of(number.e164), actor: "test", at: w.now)
            #expect(try await subjects.subjectData(number).alert_areas.isEmpty)
            #expect(try await w.staff.alertReach(areas: ["soweto"]) == 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func aDueAlertIsQueuedOncePerNumberInItsLanguageAChunkAtATime(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            func resident(_ n: Int, _ body: String, language: String? = nil) async -> MSISDN {
                let number = MSISDN("+2782125\(String(format: "%04d", n))")!
                if let language { await w.sms.handle(InboundSMS(provider: "test", providerID: nil, from: number, to: nil, text: "LANG \(language)")) }
                await w.sms.handle(InboundSMS(provider: "test", providerID: nil, from: number, to: nil, text: body))
                return number
            }
            var soweto: [MSISDN] = []
            for n in 1...5 { soweto.append(await resident(n, "ALERTS Soweto")) }
            let both = await resident(6, "ALERTS Soweto, Lenasia", language: "af")
            let sandton = await resident(7, "ALERTS Sandton")
            guard let outbox = w.outbox else { Issue.record("no outbox"); return }
            // Replies first: sent and out of the way.
            let replies = try await outbox.claimDue(limit: 100, now: w.now)
            try await outbox.record(replies.map { ($0, SendResult.accepted(providerID: nil)) }, now: w.now, retry: RetryPolicy())

            let incident = try await w.staff.declare(IncidentDraft(service: "water", areas: ["soweto", "lenasia"], description: "Main burst"),
                                                     moe: "water", actor: "test", address: nil, at: w.now)
            let alerts = try await w.staff.areaAlerts(ofIncident: incident.id)
            #expect(alerts.map(\.kind) == [.started] && alerts.allSatisfy { !$0.queued })
            let due = try await w.staff.dueAlerts(now: w.now, limit: 10)
            #expect(due.map(\.id) == alerts.map(\.id) && due.first?.incident.id == incident.id)
            let bodies = IncidentBroadcast(bodies: ["en": "EN alert", "af": "AF alert"], fallback: "en")
            var steps: [AlertProgress] = []
            while let p = try await w.staff.queueAlert(alerts[0].id, bodies, chunk: 2, at: w.now) {
                steps.append(p)
                if p.done { break }
            }
            // Three full chunks, then an empty one that finds nobody left and marks it queued.
            #expect(steps == [AlertProgress(queued: 2, done: false), AlertProgress(queued: 2, done: false), AlertProgress(queued: 2, done: false),
                              AlertProgress(queued: 0, done: true)])
            #expect(try await w.staff.queueAlert(alerts[0].id, bodies, chunk: 2, at: w.now) == nil, "queued once")
            #expect(try await w.staff.dueAlerts(now: w.now, limit: 10).isEmpty)
            #expect(try await w.staff.areaAlerts(ofIncident: incident.id).allSatisfy(\.queued))

            // At night they wait; by day each number gets one, in its language; Sandton none.
            let quiet = w.now.addingTimeInterval(3600)
            #expect(try await outbox.claimDue(limit: 100, now: w.now, cap: nil, quietUntil: quiet, pseudonyms: nil).isEmpty)
            #expect(try await outbox.claimDue(limit: 100, now: w.now, cap: nil, quietUntil: nil, pseudonyms: nil).isEmpty, "deferred until the night ends")
            let morning = try await outbox.claimDue(limit: 100, now: quiet, cap: nil, quietUntil: nil, pseudonyms: nil)
            #expect(morning.count == 6 && Set(morning.map(\.to)).count == 6)
            #expect(Set(morning.map(\.to)) == Set(soweto + [both]) && !morning.contains { $0.to == sandton })
            #expect(morning.first { $0.to == both }?.body == "AF alert" && morning.first { $0.to == soweto[0] }?.body == "EN alert")
        }
    }

    @Test(arguments: StoreKind.available)
    func plannedWorksAlertsAreScheduledMovedAndDroppedWithTheIncident(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let calendar = MunicipalCalendar()
            let start = calendar.at(hour: 9, on: calendar.startOfDay(w.now.addingTimeInterval(7 * 86400)))
            let works = try await w.staff.declare(IncidentDraft(service: "water", areas: ["soweto"], description: "Valve", expectedAt: start + 6 * 3600,
                                                                startsAt: start), moe: "water", actor: "test", address: nil, at: w.now, calendar: calendar)
            #expect(works.isPlanned && works.startsAt == start && works.phase(at: w.now) == .announced)
            let evening = calendar.at(hour: 18, on: calendar.startOfDay(start - 86400))
            #expect(try await w.staff.areaAlerts(ofIncident: works.id).map { "\($0.kind.rawValue) \($0.dueAt == evening || $0.dueAt == start)" }
                    == ["announced true", "started true"])
            let later = start + 2 * 86400
            let moved = try await w.staff.changeIncident(works.id, moe: "water", IncidentDraft(expectedAt: later + 3600, startsAt: later), closing: false,
                                                         broadcast: IncidentBroadcast(bodies: [:], fallback: "en"), actor: "test", address: nil, at: w.now,
                                                         calendar: calendar)
            #expect(moved?.startsAt == later && moved?.sequence == 1)
            #expect(try await w.staff.areaAlerts(ofIncident: works.id).map(\.dueAt)
                    == [calendar.at(hour: 18, on: calendar.startOfDay(later - 86400)), later])
            let cancelled = try await w.staff.changeIncident(works.id, moe: "water", IncidentDraft(description: "Not needed"), closing: true, broadcast: nil,
                                                             actor: "test", address: nil, at: w.now, calendar: calendar)
            #expect(cancelled?.phase(at: w.now) == .cancelled && cancelled?.sequence == 2)
            #expect(try await w.staff.areaAlerts(ofIncident: works.id).isEmpty, "nobody heard of it: nothing goes")
            let published = try await w.staff.publishedIncidents(closedSince: w.now - 7 * 86400)
            #expect(published.map(\.id) == [works.id] && published.first?.closedAt != nil)
            #expect(try await w.staff.publishedIncidents(closedSince: w.now + 60).isEmpty)
        }
    }
}
