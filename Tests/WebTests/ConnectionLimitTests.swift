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
    /// A raw TCP connection to 127.0.0.1:port: what we send, and everything read until the server closes.
    final class RawConnection {
        let fd: Int32

        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
            // Reads give up after 60 s, so a server that never closes fails the test instead of hanging
            // it (a server that closes is read at once; the bound only has to outlast a busy machine).
            var timeout = timeval(tv_sec: 60, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        func send(_ text: String) { _ = text.withCString { write(fd, $0, strlen($0)) } }

        /// Everything until the server closes (nil if it did not close within the read timeout).
        func readToClose() -> String? {
            var out = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n == 0 { return String(decoding: out, as: UTF8.self) }
                if n < 0 { return nil }
                out += buffer[0..<n]
            }
        }

        deinit { close(fd) }
    }

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
            let seen = try await Self.offThePool { try Self.talk(port: port) }
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

    static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<T, any Error>) in
            Thread.detachNewThread { done.resume(with: Result { try body() }) }
        }
    }
}
