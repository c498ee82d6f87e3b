import Domain
import Foundation
import Synchronization

/// What an operator must hear about before residents do: the SMS provider has stopped taking
/// messages (Africa's Talking `InsufficientBalance`, Kannel unreachable), no USSD or SMS has
/// arrived for a long time during working hours (an aggregator or a route is down), or the disk
/// holding the database is nearly full. Shown by `/healthz?detail=1` and as Prometheus gauges.
public final class OperationalHealth: Sendable {
    public struct Settings: Sendable {
        /// No inbound USSD or SMS for this long, in working hours, is an alert.
        public var quietInbound: TimeInterval = 60 * 60
        /// This many sends in a row without one accepted: the provider has stopped.
        public var failuresInARow = 5
        /// Below either, the disk is nearly full.
        public var minFreeBytes: Int64 = 1 << 30
        public var minFreeRatio = 0.05
        public var calendar = MunicipalCalendar()
        public init() {}
    }

    /// Free and total bytes of the disk holding the database.
    public struct DiskSpace: Sendable, Equatable {
        public var free: Int64
        public var total: Int64
        public init(free: Int64, total: Int64) {
            self.free = free
            self.total = total
        }
    }

    public struct Alert: Sendable, Equatable, Codable {
        public var name: String
        public var detail: String
        public var since: Date?
    }

    struct State {
        var failuresInARow = 0
        var lastProviderError: String?
        var failingSince: Date?
        /// An answer that means no message will go until a person acts (balance, credentials).
        var blocked: (reason: String, since: Date)?
        var lastInbound: Date?
    }

    /// Webhook subscriptions disabled after failing for a day: id, MOE, URL, since.
    private let webhooks = Mutex([Int64: (moe: String, url: String, since: Date)]())

    let settings: Settings
    let started: Date
    let disk: @Sendable () -> DiskSpace?
    private let state = Mutex(State())

    public init(settings: Settings = .init(), started: Date, disk: @escaping @Sendable () -> DiskSpace? = { nil }) {
        self.settings = settings
        self.started = started
        self.disk = disk
    }

    /// Answers from the provider that stop all sending until someone acts.
    static let blocking = ["InsufficientBalance", "405", "401", "Unauthorized", "Forbidden", "InvalidSenderId"]

    public func providerAnswered(_ result: SendResult, at now: Date) {
        state.withLock { s in
            switch result {
            case .accepted:
                s = State(lastInbound: s.lastInbound)
            case .temporary(let error), .permanent(let error):
                s.failuresInARow += 1
                s.lastProviderError = String(error.prefix(200))
                if s.failuresInARow == 1 { s.failingSince = now }
                if case .permanent = result, s.blocked == nil, Self.blocking.contains(where: { error.contains($0) }) {
                    s.blocked = (String(error.prefix(200)), now)
                }
            }
        }
    }

    /// A USSD hop or an SMS arrived (authenticated).
    public func inbound(at now: Date) {
        state.withLock { $0.lastInbound = now }
    }

    /// A subscription was disabled after failing for a day.
    public func webhookDisabled(_ s: WebhookSubscription) {
        webhooks.withLock { $0[s.id] = (s.moe, s.url, s.disabledAt ?? s.createdAt) }
    }

    /// The subscriptions disabled after failing, as the store has them now.
    public func webhooksDisabled(_ list: [WebhookSubscription]) {
        webhooks.withLock { w in w = Dictionary(uniqueKeysWithValues: list.map { ($0.id, ($0.moe, $0.url, $0.disabledAt ?? $0.createdAt)) }) }
    }

    public func alerts(now: Date) -> [Alert] {
        var out: [Alert] = []
        for (id, w) in webhooks.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            out.append(Alert(name: "webhook_disabled",
                             detail: "webhook \(id) of \(w.moe) failed for a day and was disabled: mend the receiver, then enable it on the Webhooks page",
                             since: w.since))
        }
        let s = state.withLock { $0 }
        if let blocked = s.blocked {
            out.append(Alert(name: "sms_provider_blocked", detail: "the SMS provider refuses every message: \(blocked.reason)", since: blocked.since))
        } else if s.failuresInARow >= settings.failuresInARow {
            out.append(Alert(name: "sms_provider_failing",
                             detail: "\(s.failuresInARow) sends in a row failed; last: \(s.lastProviderError ?? "?")", since: s.failingSince))
        }
        let last = s.lastInbound ?? started
        if settings.calendar.isWorkingTime(now), now.timeIntervalSince(last) > settings.quietInbound {
            out.append(Alert(name: "no_inbound_traffic",
                             detail: "no USSD or SMS received for \(Int(now.timeIntervalSince(last) / 60)) minutes in working hours", since: last))
        }
        if let d = disk(), d.total > 0, d.free < settings.minFreeBytes || Double(d.free) / Double(d.total) < settings.minFreeRatio {
            out.append(Alert(name: "disk_nearly_full", detail: "\(d.free / (1 << 20)) MiB free of \(d.total / (1 << 20)) MiB", since: nil))
        }
        return out
    }

    /// The gauges /metrics shows: one per alert (1 firing, 0 not), plus the raw readings.
    public func readings(now: Date) -> [GaugeReading] {
        let firing = Set(alerts(now: now).map(\.name))
        var out = ["sms_provider_blocked", "sms_provider_failing", "no_inbound_traffic", "disk_nearly_full", "webhook_disabled"].map {
            GaugeReading(name: "civicgate_alert", labels: ["alert": $0], value: firing.contains($0) ? 1 : 0)
        }
        let s = state.withLock { $0 }
        out.append(GaugeReading(name: "civicgate_sms_send_failures_in_a_row", labels: [:], value: s.failuresInARow))
        out.append(GaugeReading(name: "civicgate_seconds_since_inbound", labels: [:], value: Int(now.timeIntervalSince(s.lastInbound ?? started))))
        if let d = disk() {
            out.append(GaugeReading(name: "civicgate_disk_free_bytes", labels: [:], value: Int(d.free)))
            out.append(GaugeReading(name: "civicgate_disk_total_bytes", labels: [:], value: Int(d.total)))
        }
        return out
    }
}
