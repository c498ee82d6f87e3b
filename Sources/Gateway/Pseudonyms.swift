import Crypto
import Domain
import Foundation

/// A phone number's stand-in once its retention has passed: an HMAC under a key kept apart from
/// the data (a file, not a table), so the same number always gets the same stand-in (repeat
/// reporters still count) and nobody holding only the database can turn it back into the number.
public struct Pseudonyms: Sendable {
    let keyed: Keyed

    public init(key: Data) { keyed = Keyed(HMAC<SHA256>(key: SymmetricKey(data: key))) }

    /// The HMAC with its key already taken in (the padded key hashed into its inner and outer
    /// state), made once: every caller new to the gateway asks for a pseudonym, and preparing the
    /// key each time was most of the cost. Never updated in place: each use takes a copy, and the
    /// hashers copy their shared state before updating it (copy-on-write, `isKnownUniquelyReferenced`),
    /// so copies used at once on different threads share nothing they write.
    struct Keyed: @unchecked Sendable {
        let hmac: HMAC<SHA256>
        init(_ hmac: HMAC<SHA256>) { self.hmac = hmac }
    }

    /// `h:` and 32 hex digits (128 bits of HMAC-SHA256 of the number in E.164).
    public func of(_ number: String) -> String {
        guard !Self.isPseudonym(number) else { return number }
        var hmac = keyed.hmac
        var utf8 = number
        utf8.withUTF8 { hmac.update(data: UnsafeRawBufferPointer($0)) }
        let mac = hmac.finalize()
        var text = [UInt8]("h:".utf8)
        for byte in mac.prefix(16) {
            text.append(Self.hexDigits[Int(byte >> 4)])
            text.append(Self.hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    public static func isPseudonym(_ text: String) -> Bool { text.hasPrefix("h:") }

    /// The key in `path`, made (32 random bytes, readable by the owner only) if there is none.
    public static func key(at path: String) throws -> Data {
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count >= 32 else { throw KeyProblem(path: path, reason: "shorter than 32 bytes") }
            return data
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: .min ... .max, using: &generator) }
        let data = Data(bytes)
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw KeyProblem(path: path, reason: "cannot be created")
        }
        return data
    }

    public struct KeyProblem: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "pseudonym key \(path): \(reason)" }
    }
}
