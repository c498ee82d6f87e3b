import Crypto
import Foundation

/// Signatures as the Standard Webhooks specification gives them, so an MOE verifies with any of its
/// libraries: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under the
/// secret, which is handed out as `whsec_<base64 of its bytes>`.
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// 24 random bytes (192 bits), as the specification's examples.
    public static func random() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        return WebhookSecret(bytes: (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// `whsec_…`; nil when it is not one.
    public init?(_ text: String) {
        guard text.hasPrefix("whsec_"), let data = Data(base64Encoded: String(text.dropFirst(6))), (16...64).contains(data.count) else { return nil }
        bytes = Array(data)
    }

    public var description: String { "whsec_" + Data(bytes).base64EncodedString() }

    /// The `webhook-signature` header's value for one attempt.
    public func signature(id: String, timestamp: Int, body: [UInt8]) -> String {
        var signed = Array("\(id).\(timestamp).".utf8)
        signed += body
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: bytes))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The three headers of one attempt, `timestamp` in seconds since 1970.
    public func headers(id: String, timestamp: Int, body: [UInt8]) -> [(name: String, value: String)] {
        [("webhook-id", id), ("webhook-timestamp", String(timestamp)), ("webhook-signature", signature(id: id, timestamp: timestamp, body: body))]
    }
}

/// A message's `webhook-id`: `msg_` and 24 random characters, the same on every attempt.
public enum WebhookMessageID {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return "msg_" + String((0..<24).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
