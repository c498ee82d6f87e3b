import Domain
import Foundation
import HummingbirdBcrypt
import Synchronization

/// Passwords: bcrypt (cost 12), verified one at a time on a thread of its own so a burst of
/// sign-ins cannot starve the threads that serve everything else; past `maxWaiting` sign-ins
/// waiting, the next is answered at once (`nil`) instead of queueing without end.
public final class Passwords: Sendable {
    public static let maxWaiting = 8
    /// Spent on an unknown username, so its answer takes as long as a wrong password.
    static let decoy = Bcrypt.hash("no such user, no such password", cost: 12)
    static let hashing = DispatchQueue(label: "civicgate.bcrypt")
    private let waiting = Mutex(0)

    public init() {}

    public func hash(_ password: String) -> String { Bcrypt.hash(password, cost: 12) }

    /// The one password rule: long enough to resist guessing at bcrypt's pace.
    public static func check(_ password: String) throws(StaffAccountProblem) {
        guard password.count >= 10 else { throw .weakPassword }
    }

    /// nil when too many are waiting already. `hash` nil: an unknown user (the decoy is checked).
    public func verify(_ password: String, against hash: String?) async -> Bool? {
        let entered = waiting.withLock { n in
            guard n < Self.maxWaiting else { return false }
            n += 1
            return true
        }
        guard entered else { return nil }
        defer { waiting.withLock { $0 -= 1 } }
        let hash = hash ?? Self.decoy
        let ok = await withCheckedContinuation { done in Self.hashing.async { done.resume(returning: Bcrypt.verify(password, hash: hash)) } }
        return ok
    }
}

/// A console account as sign-in reads it.
public struct SignInAccount: Sendable {
    public var user: StaffUser
    public var passwordHash: String
    public var disabled: Bool
    public init(user: StaffUser, passwordHash: String, disabled: Bool) {
        self.user = user
        self.passwordHash = passwordHash
        self.disabled = disabled
    }
}

/// What sign-in reads and writes; the rules are `StaffSignIn`'s, the same on every store.
public protocol SignInRecords: Sendable {
    var passwords: Passwords { get }
    var throttle: SignInThrottle { get }
    func account(named username: String) async throws -> SignInAccount?
    /// Counts this try as a failure under every key before its password is looked at, unless the
    /// throttle says to wait (then nothing changes and the wait is answered). Read and written in
    /// one transaction, so tries at the same moment each see the ones before them: after the
    /// throttle engages, one guess gets through, not as many as arrive together.
    func reserveAttempt(_ keys: [(SignInThrottle.Kind, String)], at: Date, throttle: SignInThrottle) async throws -> TimeInterval
    /// Takes a reserved try back from `keys` (it was not a failure there).
    func releaseAttempt(_ keys: [String]) async throws
    /// Audits a refused sign-in (the failure itself was counted when the try was reserved).
    func auditRefusal(username: String, reason: String, address: String, at: Date) async throws
    func clearFailures(_ keys: [String]) async throws
}

extension SignInThrottle {
    /// The reservation both stores make: the wait the current records impose, or, when there is
    /// none, each key's failures after this try (a key quiet for `window` starts again at 1).
    public func reserve(_ keys: [(Kind, String)], records: [String: (failures: Int, lastAt: Date)], at: Date)
        -> (wait: TimeInterval, counts: [String: Int])
    {
        let known = keys.compactMap { kind, key in records[key].map { (kind: kind, failures: $0.failures, lastAt: $0.lastAt) } }
        let wait = retryAfter(known, now: at)
        if wait > 0 { return (wait, [:]) }
        var counts: [String: Int] = [:]
        for (_, key) in keys {
            let before = records[key].map { at.timeIntervalSince($0.lastAt) < window ? $0.failures : 0 } ?? 0
            counts[key] = before + 1
        }
        return (0, counts)
    }
}

extension SignInRecords {
    /// Throttled before any bcrypt (a flood of guesses costs nothing); an unknown user costs the
    /// same bcrypt and gets the same answers as a wrong password; a disabled account likewise.
    public func signIn(username: String, password: String, address: String, at: Date) async throws -> SignIn {
        let keys = SignInThrottle.keys(username: username, address: address)
        let wait = try await reserveAttempt(keys, at: at, throttle: throttle)
        if wait > 0 { return .throttled(retryAfter: wait.rounded(.up)) }
        let account = try await account(named: username)
        guard let verified = await passwords.verify(password, against: account?.passwordHash) else {
            try await releaseAttempt(keys.map(\.1))
            return .busy
        }
        if let account, verified, !account.disabled {
            try await clearFailures(keys.filter { $0.0 != .address }.map(\.1))
            try await releaseAttempt(keys.filter { $0.0 == .address }.map(\.1))
            return .signedIn(account.user)
        }
        let reason = account == nil ? "no such user" : account!.disabled ? "disabled" : "wrong password"
        try await auditRefusal(username: String(username.prefix(64)), reason: reason, address: address, at: at)
        return .refused
    }
}

/// Why an account could not be made or changed.
public enum StaffAccountProblem: Error, CustomStringConvertible {
    case usernameTaken(String)
    case weakPassword
    public var description: String {
        switch self {
        case .usernameTaken(let u): "a user called '\(u)' already exists"
        case .weakPassword: "the password needs at least 10 characters"
        }
    }
}
