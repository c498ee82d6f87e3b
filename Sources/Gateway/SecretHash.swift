import Crypto
import Domain
import Foundation

/// Organisation keys, MOE tokens and console session cookies are 256-bit random strings stored
/// only as SHA-256: with that much entropy a fast hash is safe, and a key is found by its hash.
/// Every store hashes the same way, so a database copied between stores keeps its keys working.
public enum SecretHash {
    public static func of(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new organisation API key (`cg_` and 52 readable characters).
    public static func newOrganisationKey() -> String { "cg_" + Secret.random(52, from: Secret.readable) }

    /// Whether `key` has an organisation key's shape (checked before any database work).
    public static func looksLikeOrganisationKey(_ key: String) -> Bool { key.hasPrefix("cg_") && key.count < 200 }
}
