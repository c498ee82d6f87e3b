import Domain
import Foundation
import Testing
import TestSupport

/// Declaring and updating an incident against the real catalogue.
@Suite struct IncidentRulesTests {
    let catalogue = try! shippedDefinitions().catalogue
    let now = Date(timeIntervalSince1970: 1_796_000_000)

    @Test func aDeclarationIsOfTheMOEsOwnServiceInKnownAreas() throws {
        let good = IncidentDraft(service: "electricity", faults: ["outage", "outage"], areas: ["kliptown", "soweto"], description: " Tripped ")
        let checked = try IncidentRules.declaration(good, moe: "electricity", catalogue: catalogue, now: now).get()
        #expect(checked.faults == ["outage"] && checked.areas == ["soweto", "kliptown"] && checked.description == "Tripped",
                "once each, areas in catalogue order, text trimmed")
        #expect(IncidentRules.declaration(good, moe: "water", catalogue: catalogue, now: now) == .failure(.notYourService("electricity")))
        var d = good
        d.service = "teleportation"
        #expect(IncidentRules.declaration(d, moe: "electricity", catalogue: catalogue, now: now) == .failure(.unknownService("teleportation")))
        d = good
        d.faults = ["leak"]
        #expect(IncidentRules.declaration(d, moe: "electricity", catalogue: catalogue, now: now) == .failure(.unknownFault("leak")))
        d = good
        d.areas = ["soweto", "atlantis"]
        #expect(IncidentRules.declaration(d, moe: "electricity", catalogue: catalogue, now: now) == .failure(.unknownArea("atlantis")))
        d = good
        d.description = String(repeating: "x", count: 301)
        #expect(IncidentRules.declaration(d, moe: "electricity", catalogue: catalogue, now: now) == .failure(.tooLong("description", 300)))
        #expect(IncidentRules.declaration(IncidentDraft(service: "electricity", areas: ["soweto"]), moe: "electricity", catalogue: catalogue, now: now)
                == .failure(.missing("description")))
    }

    @Test func anUpdateKeepsTheServiceOnlyAddsAreasAndNeverTouchesAClosedIncident() {
        let t = Date(timeIntervalSince1970: 1_795_000_000)
        var incident = Incident(id: 1, moe: "electricity", service: "electricity", faults: [], areas: ["soweto", "kliptown"], description: "x",
                                expectedAt: nil, isOpen: true, createdAt: t, updatedAt: t)
        #expect(IncidentRules.update(IncidentDraft(areas: ["soweto"]), of: incident, catalogue: catalogue, now: now) == .failure(.areasOnlyGrow("kliptown")))
        #expect(IncidentRules.update(IncidentDraft(service: "water"), of: incident, catalogue: catalogue, now: now) == .failure(.serviceIsFixed))
        #expect((try? IncidentRules.update(IncidentDraft(areas: ["lenasia", "soweto", "kliptown"]), of: incident, catalogue: catalogue, now: now).get())?.areas
                == ["soweto", "lenasia", "kliptown"])
        #expect(incident.covers(service: "electricity", fault: "cable", area: "kliptown", at: now), "no faults named: every fault")
        #expect(!incident.covers(service: "electricity", fault: "cable", area: "lenasia", at: now))
        incident.isOpen = false
        #expect(IncidentRules.update(IncidentDraft(description: "y"), of: incident, catalogue: catalogue, now: now) == .failure(.closed))
        #expect(!incident.covers(service: "electricity", fault: "cable", area: "kliptown", at: now))
    }
}
