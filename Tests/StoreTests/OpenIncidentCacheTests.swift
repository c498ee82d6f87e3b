import Domain
import Foundation
import Persistence
import Testing

/// The open incidents held for the area step: kept until this process changes an incident, a
/// read begun before the change never kept, and on PostgreSQL (other instances change them too)
/// kept for a bounded time only.
@Suite struct OpenIncidentCacheTests {
    let outage = Incident(id: 1, moe: "water", service: "water", faults: [], areas: ["soweto"], description: "Main burst", expectedAt: nil,
                          isOpen: true, createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0))

    @Test func heldUntilAChangeAndAReadFromBeforeTheChangeIsNotKept() {
        let cache = OpenIncidentCache()
        let (none, generation) = cache.held("water")
        #expect(none == nil)
        cache.keep([outage], for: "water", readAt: generation)
        #expect(cache.held("water").incidents?.map(\.id) == [1])
        #expect(cache.held("roads").incidents == nil)

        let before = cache.held("roads").generation
        cache.forget()
        #expect(cache.held("water").incidents == nil)
        cache.keep([], for: "roads", readAt: before)
        #expect(cache.held("roads").incidents == nil, "read before the change: not kept")
    }

    @Test func anAnswerOlderThanTheMaximumAgeIsReadAgain() {
        let cache = OpenIncidentCache(maxAge: .seconds(1))
        cache.keep([outage], for: "water", readAt: cache.held("water").generation, startedAt: .now - .seconds(2))
        #expect(cache.held("water").incidents == nil, "read two seconds ago")
        cache.keep([outage], for: "water", readAt: cache.held("water").generation)
        #expect(cache.held("water").incidents?.map(\.id) == [1])
        let forever = OpenIncidentCache()
        forever.keep([outage], for: "water", readAt: 0, startedAt: .now - .seconds(3600))
        #expect(forever.held("water").incidents?.map(\.id) == [1], "no maximum age: until a change")
    }
}
