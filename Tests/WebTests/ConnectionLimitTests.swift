import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing
import Web
#if canImport(Glibc)
import Glibc
#endif

/// The HTTP server itself: idle connections are closed, oversized headers refused.
@Suite struct ConnectionLimitTests {
    func app(idle: Int) throws -> some ApplicationProtocol {
        let world = try TestGateway()
        var configuration = WebConfiguration(port: 0)
        configuration.idleTimeout = .seconds(Int64(idle))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return WebApp.application(world.web, configuration: configuration, logger: logger)
    }

    @Test(.timeLimit(.minutes(4)))
    func anIdleConnectionIsClosedAndOversizedHeadersAreRefused() async throws {
        try await app(idle: 1).test(.live) { client in
            let port = client.port!
            // The sockets block: on a thread of their own, never on the pool that the server's tasks
            // run on (two threads here; with other tests blocking them, nothing would answer).
            let seen = try await offThePool { try Self.talk(port: port) }
            // A connection that never sends a request is closed by the server.
            #expect(seen.idle == "")
            // Half a request, then silence (slow-loris): closed too.
            #expect(seen.slow != nil)
            // One header of 20 KiB: refused, never served.
            #expect(!(seen.big ?? "").contains("200 OK"), "an oversized header must not be served: \((seen.big ?? "").prefix(80))")
            // An ordinary request is still served (the test client's own connection has idled out by now).
            #expect(seen.fresh?.hasPrefix("HTTP/1.1 200 OK") == true)
        }
    }

    /// What the server sent on each connection before closing it (nil: not closed within 60 s).
    struct Seen: Sendable {
        var idle, slow, big, fresh: String?
    }

    static func talk(port: Int) throws -> Seen {
        let idle = try RawConnection(port: port)
        let slow = try RawConnection(port: port)
        slow.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
        let big = try RawConnection(port: port)
        big.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 20 * 1024))\r\n\r\n")
        var seen = Seen(idle: idle.readToClose(), slow: slow.readToClose(), big: big.readToClose())
        let fresh = try RawConnection(port: port)
        fresh.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        seen.fresh = fresh.readToClose()
        return seen
    }
}
