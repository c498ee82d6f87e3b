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

    /// The key in `path`, made (32 random bytes, readable by the owner only) if there is none and
    /// `create` allows it. An existing key must be the owner's alone (no group or other permission
    /// bits) and must not be the key that was once published in the source tree.
    public static func key(at path: String, create: Bool = true) throws -> Data {
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count >= 32 else { throw KeyProblem(path: path, reason: "shorter than 32 bytes") }
            if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
                throw KeyProblem(path: path, reason: "group or others may read it (mode \(String(mode & 0o777, radix: 8))): make it the owner's alone with chmod 600")
            }
            if isPublished(data) {
                throw KeyProblem(path: path, reason: "it is the key once published in CivicGate's source tree: anyone can reverse its pseudonyms; make a new one (head -c 32 /dev/urandom > FILE; chmod 600 FILE)")
            }
            return data
        }
        guard create else { throw KeyProblem(path: path, reason: "there is no such file") }
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: .min ... .max, using: &generator) }
        // Written whole beside it, then linked into place: `link` fails if the key exists, so two
        // processes starting at once use one key, and neither ever reads a half-written one.
        let draft = path + ".\(getpid()).new"
        let fd = open(draft, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw KeyProblem(path: path, reason: "cannot be created (\(String(cString: strerror(errno))))") }
        defer { unlink(draft) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else { throw KeyProblem(path: path, reason: "cannot be written") }
        guard link(draft, path) == 0 else {
            if errno == EEXIST { return try key(at: path, create: false) }
            throw KeyProblem(path: path, reason: "cannot be created (\(String(cString: strerror(errno))))")
        }
        return Data(bytes)
    }

    /// SHA-256 of keys that have been public (in git history for ever): never usable again.
    static let published: Set<String> = ["1b78ea5bc41a32a2ca76afbb75f7fb44df5cabe21eea855827d8eaa17d2704ce"]

    public static func isPublished(_ key: Data) -> Bool {
        published.contains(SHA256.hash(data: key).map { String(format: "%02x", $0) }.joined())
    }

    public struct KeyProblem: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "pseudonym key \(path): \(reason)" }
    }
}
