import Crypto
import Foundation

/// Delivery-report URLs that CivicGate hands to Kannel (`dlr-url`) name an outbox row; the
/// signature, an HMAC of that id under a key kept in the database, proves the URL is one we made,
/// so nobody can mark messages delivered by counting ids.
public struct DeliverySignature: Sendable {
    let secret: [UInt8]

    /// `secret`: at least 32 random bytes, as stored in the database.
    public init(secret: [UInt8]) { self.secret = secret }

    /// 32 hex characters (128 bits of HMAC-SHA256).
    public func sign(outboxID id: Int64) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("outbox:\(id)".utf8), using: SymmetricKey(data: secret))
        return mac.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// Compared in constant time.
    public func verify(outboxID id: Int64, signature: String) -> Bool {
        ConstantTime.equal(sign(outboxID: id), signature.lowercased())
    }
}

/// Secrets are compared without an early exit, so the time taken tells nothing about them.
public enum ConstantTime {
    public static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
