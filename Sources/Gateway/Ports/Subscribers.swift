import Foundation

/// What we know of a phone number beyond its tickets.
public struct Subscriber: Sendable, Equatable {
    public var language: String?
    /// Sent STOP: no message of any kind until START.
    public var optedOut: Bool
    /// When the unknown-text help was last sent, so it goes at most once a day.
    public var lastHelpAt: Date?

    public init(language: String?, optedOut: Bool, lastHelpAt: Date?) {
        self.language = language
        self.optedOut = optedOut
        self.lastHelpAt = lastHelpAt
    }
}
