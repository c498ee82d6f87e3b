import Foundation

/// How long console sessions last.
public struct ConsoleSettings: Sendable {
    /// A session unused this long is over (the dispatcher signs in again).
    public var idleTimeout: TimeInterval = 30 * 60
    /// However busy, a session ends this long after sign-in (a shift), so a stolen cookie dies too.
    public var lifetime: TimeInterval = 12 * 3600

    public init() {}
}
