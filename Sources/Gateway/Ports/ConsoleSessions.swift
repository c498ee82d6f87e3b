import Foundation

/// Console sign-in: bcrypt passwords, growing waits after failures (`SignInThrottle`), no lock.
public enum SignIn: Sendable, Equatable {
    case signedIn(StaffUser)
    /// Wrong username or password, or a disabled account: one answer for all.
    case refused
    /// Too many failures lately: not even checked; try again after this many seconds.
    case throttled(retryAfter: TimeInterval)
    /// Too many sign-ins already waiting for bcrypt: answered at once instead of queued.
    case busy
}

/// A signed-in console user and the CSRF token of their session.
public struct StaffSession: Sendable, Equatable {
    public var user: StaffUser
    public var csrf: String

    public init(user: StaffUser, csrf: String) {
        self.user = user
        self.csrf = csrf
    }
}

public protocol StaffSessions: Sendable {
    /// `address`: the client's, for the throttle and the audit log.
    func signIn(username: String, password: String, address: String, at: Date) async throws -> SignIn
    /// A new session: (the cookie value, the CSRF token). Only a hash of the cookie value is stored.
    func openSession(for user: StaffUser, address: String, at: Date) async throws -> (token: String, csrf: String)
    /// The session, if it exists, was used within `idle` seconds and began less than `lifetime`
    /// ago; using it keeps it alive (up to `lifetime`).
    func session(_ token: String, at: Date, idle: TimeInterval, lifetime: TimeInterval) async throws -> StaffSession?
    func closeSession(_ token: String) async throws
}
