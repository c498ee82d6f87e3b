import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An SMTP server on a loopback port for tests: accepts every message (or refuses every
/// recipient with 550) and keeps what it was given. Plain sockets on a thread of its own.
public final class StubSMTP: Sendable {
    public struct Message: Sendable, Equatable {
        public var from: String
        public var to: [String]
        /// Everything after DATA, up to the line with the lone dot, CRLF kept.
        public var data: String
    }

    public let port: Int
    public let refuseRecipients: Bool
    private let listener: Int32
    private let received = Mutex<[Message]>([])
    private let stopped = Atomic<Bool>(false)

    public var messages: [Message] { received.withLock { $0 } }

    public init(refuseRecipients: Bool = false) throws {
        self.refuseRecipients = refuseRecipients
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw StubError.cannotListen }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) } }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "stub-smtp"
        thread.start()
    }

    public enum StubError: Error { case cannotListen }

    /// Stops listening; safe to call more than once (a second `close` could close a descriptor
    /// the process has since reused for something else).
    public func stop() {
        guard !stopped.exchange(true, ordering: .sequentiallyConsistent) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            serve(client)
            close(client)
        }
    }

    private func serve(_ fd: Int32) {
        var pending = [UInt8]()
        func send(_ line: String) { _ = line.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) } }
        func readLine() -> String? {
            while true {
                if let end = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<end], as: UTF8.self)
                    pending.removeSubrange(...end)
                    return line.hasSuffix("\r") ? String(line.dropLast()) : line
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = read(fd, &chunk, chunk.count)
                guard n > 0 else { return nil }
                pending += chunk[..<n]
            }
        }
        send("220 stub ESMTP\r\n")
        var from = "", to: [String] = []
        while let line = readLine() {
            let verb = line.prefix(4).uppercased()
            switch verb {
            case "EHLO", "HELO": send("250 stub\r\n")
            case "MAIL":
                from = String(line.dropFirst(10)).trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
                to = []
                send("250 OK\r\n")
            case "RCPT":
                if refuseRecipients { send("550 no such mailbox\r\n"); continue }
                to.append(String(line.dropFirst(8)).trimmingCharacters(in: CharacterSet(charactersIn: "<> ")))
                send("250 OK\r\n")
            case "DATA":
                send("354 go ahead\r\n")
                var data = ""
                while let body = readLine(), body != "." { data += body + "\r\n" }
                let message = Message(from: from, to: to, data: data)
                received.withLock { $0.append(message) }
                send("250 queued\r\n")
            case "QUIT":
                send("221 bye\r\n")
                return
            default: send("250 OK\r\n")
            }
        }
    }
}
