import Foundation

/// How the dispatcher console behaves: session idle time, the pause after a refused sign-in, and
/// the time zone its dates are shown in.
public struct ConsoleSettings: Sendable {
    /// A session unused this long is over (the dispatcher signs in again).
    public var idleTimeout: TimeInterval = 30 * 60
    /// Waited before answering a refused sign-in, given the failures in a row so far: guessing gets
    /// slower, and after `SQLiteStaffStore.lockAfter` failures the account locks.
    public var pauseAfterRefusal: @Sendable (_ failures: Int) async -> Void = { failures in
        try? await Task.sleep(for: .milliseconds(min(4000, 500 * max(1, failures))))
    }
    /// Set when the console is served over HTTPS (behind a proxy): cookies get `Secure`.
    public var secureCookies = false
    public var timeZone = TimeZone(identifier: "Africa/Johannesburg") ?? .gmt

    public init() {}
}
