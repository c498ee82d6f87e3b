import Domain
import Foundation

/// Failed console sign-ins slow down the next try instead of locking the account, so a stranger
/// who knows a username cannot keep its owner out. Failures are counted three ways: for the
/// username from this address (the owner mistyping, or one guesser), for the address across all
/// usernames (one machine spraying), and for the username from anywhere (a botnet on one
/// account, which only ever costs the owner a short wait). An unknown username is counted exactly
/// like a known one, so the answers tell nothing about which accounts exist.
public struct SignInThrottle: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case pair = "p", address = "a", username = "u"
    }

    /// Failures forgotten after this long without another.
    public var window: TimeInterval = 3600

    public init() {}

    /// The keys a try is counted under (an IPv6 client by its /64).
    public static func keys(username: String, address: String) -> [(Kind, String)] {
        let user = username.lowercased()
        let address = AddressBlock.of(address)
        return [(.pair, "p:\(user)|\(address)"), (.address, "a:\(address)"), (.username, "u:\(user)")]
    }

    /// How long after the last failure the next try must wait, given `failures` in a row.
    public func wait(after failures: Int, kind: Kind) -> TimeInterval {
        let (free, first, cap): (Int, Double, Double) = switch kind {
        case .pair: (3, 5, 900)
        case .address: (10, 5, 900)
        case .username: (20, 1, 60)
        }
        guard failures > free else { return 0 }
        return min(cap, first * pow(2, Double(min(failures - free - 1, 20))))
    }

    /// Seconds to wait before the next try is even looked at (0: go ahead).
    public func retryAfter(_ records: [(kind: Kind, failures: Int, lastAt: Date)], now: Date) -> TimeInterval {
        records.map { r in
            guard now.timeIntervalSince(r.lastAt) < window else { return 0 }
            return max(0, r.lastAt.addingTimeInterval(wait(after: r.failures, kind: r.kind)).timeIntervalSince(now))
        }.max() ?? 0
    }
}
