import Domain
import Foundation
import Gateway
import Testing

@Suite struct SignInThrottleTests {
    let throttle = SignInThrottle()
    let now = Date(timeIntervalSince1970: 1_796_022_000)

    @Test func waitsGrowAndAreCapped() {
        #expect((1...3).map { throttle.wait(after: $0, kind: .pair) } == [0, 0, 0])
        #expect((4...8).map { throttle.wait(after: $0, kind: .pair) } == [5, 10, 20, 40, 80])
        #expect(throttle.wait(after: 1000, kind: .pair) == 900)
        #expect(throttle.wait(after: 10, kind: .address) == 0)
        #expect(throttle.wait(after: 11, kind: .address) == 5)
        // One username attacked from everywhere only ever costs its owner a minute.
        #expect(throttle.wait(after: 20, kind: .username) == 0)
        #expect(throttle.wait(after: .max, kind: .username) == 60)
    }

    @Test func theLongestWaitCountsAndOldFailuresAreForgotten() {
        let records: [(kind: SignInThrottle.Kind, failures: Int, lastAt: Date)] = [
            (.pair, 5, now.addingTimeInterval(-4)), (.address, 2, now), (.username, 30, now.addingTimeInterval(-100)),
        ]
        #expect(throttle.retryAfter(records, now: now) == 6)
        #expect(throttle.retryAfter([(.pair, 50, now.addingTimeInterval(-3601))], now: now) == 0)
    }

    @Test func keysDoNotDependOnWhetherTheUserExists() {
        let keys = SignInThrottle.keys(username: "Thandi", address: "192.0.2.1").map(\.1)
        #expect(keys == ["p:thandi|192.0.2.1", "a:192.0.2.1", "u:thandi"])
    }
}

@Suite struct OperationalHealthTests {
    /// Monday 2026-11-30 09:00 in Johannesburg.
    let monday9 = Date(timeIntervalSince1970: 1_796_022_000)

    @Test func aSilentInboundLineInWorkingHoursIsAnAlertAndAtNightIsNot() {
        let health = OperationalHealth(started: monday9)
        #expect(health.alerts(now: monday9.addingTimeInterval(59 * 60)).isEmpty)
        #expect(health.alerts(now: monday9.addingTimeInterval(61 * 60)).map(\.name) == ["no_inbound_traffic"])
        health.inbound(at: monday9.addingTimeInterval(61 * 60))
        #expect(health.alerts(now: monday9.addingTimeInterval(62 * 60)).isEmpty)
        #expect(health.alerts(now: monday9.addingTimeInterval(13 * 3600)).isEmpty, "22:00 is not working time")
    }

    @Test func providerFailuresInARowAndAnEmptyBalanceAreAlerts() {
        let health = OperationalHealth(started: monday9)
        for _ in 0..<4 { health.providerAnswered(.temporary("couldn't connect to Kannel"), at: monday9) }
        #expect(health.alerts(now: monday9).isEmpty)
        health.providerAnswered(.temporary("couldn't connect to Kannel"), at: monday9)
        #expect(health.alerts(now: monday9).map(\.name) == ["sms_provider_failing"])
        health.providerAnswered(.accepted(providerID: nil), at: monday9)
        #expect(health.alerts(now: monday9).isEmpty)
        health.providerAnswered(.permanent("AT 405 InsufficientBalance"), at: monday9)
        #expect(health.alerts(now: monday9).map(\.name) == ["sms_provider_blocked"])
    }

    @Test func aNearlyFullDiskIsAnAlert() {
        let full = OperationalHealth(started: monday9, disk: { .init(free: 500 << 20, total: 100 << 30) })
        #expect(full.alerts(now: monday9).map(\.name) == ["disk_nearly_full"])
        let roomy = OperationalHealth(started: monday9, disk: { .init(free: 40 << 30, total: 100 << 30) })
        #expect(roomy.alerts(now: monday9).isEmpty)
        #expect(roomy.readings(now: monday9).contains { $0.name == "civicgate_disk_free_bytes" && $0.value == 40 << 30 })
    }
}
