import Foundation

/// How long each kind of personal data is kept (`menus/retention.yaml`, defaults below). Past
/// it, purge removes the personal part and keeps the rest: a number becomes a keyed hash, words
/// a resident wrote are dropped, tickets, history and every figure stay (docs/popia.md).
public struct RetentionPolicy: Sendable, Equatable {
    public enum DataClass: String, Sendable, CaseIterable {
        /// Inbound SMS: body dropped, number hashed.
        case inboundSMS = "inbound_sms"
        /// Outbox SMS no longer waiting to be sent: body dropped, number hashed.
        case outboxSMS = "outbox_sms"
        /// USSD and SMS conversation state (slots hold typed addresses): deleted.
        case sessions
        /// Closed tickets, counted from their last change: reporter hashed (and on their surveys),
        /// address and description dropped; attached residents of closed incidents hashed.
        case reporterNumbers = "reporter_numbers"
        /// Language and STOP of a number with no open ticket, counted from their last change:
        /// kept under the number's hash (and honoured if it comes back).
        case subscribers
        /// Console sign-in sessions: deleted.
        case staffSessions = "staff_sessions"
        /// The audit log: deleted, oldest first (never before three years: the log refuses it).
        case audit
        /// A number's area alerts, counted from when it last asked for them (`ALERTS <area>` renews): deleted.
        case alertSubscriptions = "alert_subscriptions"
    }

    public var days: [DataClass: Int]

    public static let defaults: [DataClass: Int] = [
        .inboundSMS: 90, .outboxSMS: 90, .sessions: 30, .reporterNumbers: 365, .subscribers: 365, .staffSessions: 30, .audit: 1825,
        .alertSubscriptions: 730,
    ]
    /// The shortest a municipality may set: the audit log protects its rows for three years, and
    /// a reporter's number serves a month of follow-up after closure (survey, reopening).
    public static let minimum: [DataClass: Int] = [
        .inboundSMS: 1, .outboxSMS: 1, .sessions: 1, .reporterNumbers: 30, .subscribers: 30, .staffSessions: 1, .audit: 1096,
        .alertSubscriptions: 30,
    ]

    public init(days: [DataClass: Int] = [:]) {
        self.days = Self.defaults.merging(days) { $1 }
    }

    /// The moment before which `dataClass` is purged, at `now`.
    public func cutoff(_ dataClass: DataClass, now: Date) -> Date {
        now.addingTimeInterval(-Double(days[dataClass] ?? Self.defaults[dataClass]!) * 86_400)
    }
}
