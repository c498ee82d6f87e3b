import Foundation
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// Hundreds of hostile or broken webhook bodies: none gets a 5xx, every 200 is a well-formed
/// `CON `/`END ` reply, and the server keeps working afterwards.
@Suite struct FuzzTests {
    static let fragments = [
        "sessionId=", "phoneNumber=", "text=", "serviceCode=", "networkCode=", "&", "=", "%", "%2", "%ZZ", "%00", "%C3%28",
        "%E2%82%AC", "*", "#", "**", "1", "98", "0", "00", "+", "%2B27821234567", "0821234567", "%F0%9F%9A%B0", "\u{0}",
        "sessionId=s1", "sessionId=s2", "text=1*1*1", "text=*", "text=%2A%2A", "phoneNumber=%2B2782",
    ]

    static func body(_ g: inout SeededGenerator) -> [UInt8] {
        switch Int.random(in: 0..<4, using: &g) {
        case 0:  // random bytes
            return (0..<Int.random(in: 0...400, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
        case 1:  // random fragments
            return Array((0..<Int.random(in: 1...12, using: &g)).map { _ in fragments.randomElement(using: &g)! }.joined().utf8)
        case 2:  // a valid hop with a mangled text
            let text = (0..<Int.random(in: 0...8, using: &g)).map { _ in ["1", "2", "98", "0", "00", "*", "#", "x", "%2A", "9999"].randomElement(using: &g)! }
            return Array("sessionId=f\(Int.random(in: 0...5, using: &g))&phoneNumber=%2B2782123456\(Int.random(in: 0...9, using: &g))&serviceCode=*120%23&text=\(text.joined(separator: "*"))".utf8)
        default:  // long free text near the limit
            let n = Int.random(in: 100...15_000, using: &g)
            return Array("sessionId=long&phoneNumber=%2B27821234567&text=".utf8) + (0..<n).map { _ in UInt8(ascii: "a") + UInt8.random(in: 0...25, using: &g) }
        }
    }

    @Test func threeHundredAndTwentyFuzzedBodiesNeverGetA5xx() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            var g = SeededGenerator(state: 2026)
            for i in 0..<320 {
                let bytes = Self.body(&g)
                let r = try await client.execute(uri: "/ussd/africastalking", method: .post, headers: formHeaders, body: ByteBuffer(bytes: bytes))
                #expect(r.status.code < 500, "body \(i) got \(r.status)")
                if r.status == .ok {
                    let text = String(buffer: r.body)
                    #expect(text.hasPrefix("CON ") || text.hasPrefix("END ") || text.isEmpty, "body \(i): \(text.prefix(60))")
                }
            }
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
        }
    }

    static let xmlPieces = ["<ussd>", "</ussd>", "<msisdn>27821234567</msisdn>", "<sessionid>f1</sessionid>", "<type>1</type>",
                            "<type>2</type>", "<type>3</type>", "<msg>1</msg>", "<msg>*</msg>", "<msg>", "&amp;", "&#0;", "<", ">", "&",
                            "<!--", "-->", "\u{0}", "<msg>Stand 5 #</msg>", "<type>x</type>"]

    @Test func threeHundredFuzzedTruTeqBodiesNeverGetA5xx() async throws {
        let world = try TestGateway()
        try await makeApp(world).test(.router) { client in
            var g = SeededGenerator(state: 311)
            for i in 0..<300 {
                let bytes: [UInt8] = Bool.random(using: &g)
                    ? Array((0..<Int.random(in: 1...10, using: &g)).map { _ in Self.xmlPieces.randomElement(using: &g)! }.joined().utf8)
                    : (0..<Int.random(in: 0...300, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
                let r = try await client.execute(uri: "/ussd/truteq", method: .post, headers: [.contentType: "text/xml"], body: ByteBuffer(bytes: bytes))
                #expect(r.status.code < 500, "body \(i) got \(r.status)")
                if r.status == .ok { #expect(String(buffer: r.body).hasPrefix("<ussd><type>")) }
            }
        }
    }
}
