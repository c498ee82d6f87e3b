import Foundation

/// The block a client address is limited and throttled as: an IPv4 address alone, an IPv6
/// address by its /64 (one subscriber's network: a host that rotates through its 2^64 addresses is
/// still one client). An IPv4 client seen through an IPv6 socket (`::ffff:a.b.c.d`) is its IPv4
/// address; anything that is not an address is kept as it is.
public enum AddressBlock {
    public static func of(_ address: String) -> String {
        guard address.contains(":"), address.utf8.count <= 64 else { return address }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, address, &v6) == 1 else { return address }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }
}
