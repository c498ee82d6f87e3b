import Domain
import FlowDefinitions
import Foundation
import TestSupport
import Testing

/// Which open tickets a new report likely repeats: service and fault, how recent, how near.
@Suite struct LikelyDuplicatesTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static func ref() -> Reference { var g = SystemRandomNumberGenerator(); return Reference.random(using: &g) }
    static let soweto = GeoPoint(lat: -26.2485, long: 27.8540)!

    static func ticket(_ fault: String? = "burst_pipe", area: String = "soweto", address: String = "12 Vilakazi St", at point: GeoPoint? = nil,
                       hoursAgo: Double = 2, status: TicketStatus = .inProgress, service: String = "water") -> DuplicateCandidate {
        DuplicateCandidate(reference: ref(), service: service, fault: fault, area: area, address: address, location: point,
                           createdAt: now.addingTimeInterval(-hoursAgo * 3600), status: status)
    }

    let rules = DuplicateRules(windows: ["water.burst_pipe": 2 * 86400, "roads.pothole": 14 * 86400], defaultWindow: 3 * 86400,
                               distances: ["roads.pothole": 30], related: ["water.burst_pipe": ["no_water", "leak"]])

    @Test func theSameFaultAtTheSameAddressIsALikelyDuplicate() {
        let report = Self.ticket(address: "12 vilakazi street, Orlando West", hoursAgo: 0, status: .new)
        let existing = Self.ticket()
        #expect(rules.likelyDuplicates(of: report, among: [existing], now: Self.now) == [LikelyDuplicate(ticket: existing, reason: .samePlace)])
    }

    @Test func notAnotherAreaFaultServiceAnOlderOrAClosedTicket() {
        let report = Self.ticket(hoursAgo: 0, status: .new)
        let others = [
            Self.ticket(area: "alexandra"),
            Self.ticket("meter"),
            Self.ticket(hoursAgo: 49),
            Self.ticket(status: .resolved),
            Self.ticket(status: .duplicate),
            Self.ticket(service: "roads"),
            Self.ticket(address: "14 Vilakazi St"),
        ]
        #expect(rules.likelyDuplicates(of: report, among: others, now: Self.now).isEmpty)
    }

    @Test func aRelatedOrUnsaidFaultMatchesAndTheWindowIsTheFaultTypes() {
        let report = Self.ticket("no_water", hoursAgo: 0, status: .new)
        #expect(rules.likelyDuplicates(of: report, among: [Self.ticket()], now: Self.now).count == 1, "burst pipe and no water: related")
        // An SMS one-liner: no fault, no area, its text as the address.
        let sms = Self.ticket("unspecified", area: "unknown", address: "burst pipe at 12 Vilakazi St", hoursAgo: 0, status: .new)
        #expect(rules.likelyDuplicates(of: sms, among: [Self.ticket()], now: Self.now).count == 1)
        // A pothole stays news for 14 days; an unlisted fault for the default 3.
        let pothole = Self.ticket("pothole", address: "45 Main Rd", hoursAgo: 0, status: .new, service: "roads")
        #expect(rules.likelyDuplicates(of: pothole, among: [Self.ticket("pothole", address: "45 Main Road", hoursAgo: 13 * 24, service: "roads")],
                                       now: Self.now).count == 1)
        let leak = Self.ticket("low_pressure", hoursAgo: 0, status: .new)
        #expect(rules.likelyDuplicates(of: leak, among: [Self.ticket("low_pressure", hoursAgo: 71)], now: Self.now).count == 1)
        #expect(rules.likelyDuplicates(of: leak, among: [Self.ticket("low_pressure", hoursAgo: 73)], now: Self.now).isEmpty)
    }

    @Test func pointsWithinTheFaultTypesDistanceMatchClosestFirstAtMostTwo() throws {
        func east(_ metres: Double) -> GeoPoint { GeoPoint(lat: Self.soweto.lat, long: Self.soweto.long + metres / 29.9 * 0.0003)! }
        let report = Self.ticket(address: "", at: Self.soweto, hoursAgo: 0, status: .new)
        let far = Self.ticket(address: "somewhere", at: east(45), hoursAgo: 1)
        let near = Self.ticket(address: "elsewhere", at: east(30), hoursAgo: 3)
        let tooFar = Self.ticket(address: "x", at: east(80))
        let same = Self.ticket(address: "", at: east(10), hoursAgo: 5)
        let found = rules.likelyDuplicates(of: report, among: [far, near, tooFar, same], now: Self.now)
        #expect(found.map(\.ticket.reference) == [same.reference, near.reference])
        if case .near(let m) = found[1].reason { #expect(abs(m - 30) < 1) } else { Issue.record("a distance") }
        // A pothole's distance is 30 m.
        let hole = Self.ticket("pothole", address: "", at: Self.soweto, hoursAgo: 0, status: .new, service: "roads")
        #expect(rules.likelyDuplicates(of: hole, among: [Self.ticket("pothole", address: "", at: east(40), service: "roads")], now: Self.now).isEmpty)
    }

    @Test func theShippedCatalogueSetsHowRecentAndHowNearPerFaultType() throws {
        let rules = try shippedDefinitions().catalogue.duplicateRules
        func matches(_ fault: String, _ other: String, hoursAgo: Double, service: String = "water") -> Bool {
            let report = Self.ticket(fault, address: "45 Main Rd", hoursAgo: 0, status: .new, service: service)
            return !rules.likelyDuplicates(of: report, among: [Self.ticket(other, address: "45 Main Road", hoursAgo: hoursAgo, service: service)],
                                           now: Self.now).isEmpty
        }
        #expect(matches("burst_pipe", "burst_pipe", hoursAgo: 47) && !matches("burst_pipe", "burst_pipe", hoursAgo: 49))
        #expect(matches("pothole", "pothole", hoursAgo: 13 * 24, service: "roads") && !matches("pothole", "pothole", hoursAgo: 15 * 24, service: "roads"))
        #expect(matches("no_water", "burst_pipe", hoursAgo: 20), "related in the catalogue")
        #expect(!matches("meter", "burst_pipe", hoursAgo: 1), "not related")
        #expect(rules.distances["roads.pothole"] == 30 && rules.distances["water.burst_pipe"] == nil)
    }
}
