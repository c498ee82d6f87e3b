import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Kannel's `sendsms` as a stub on a loopback port: accepts every message and keeps its text.
final class StubKannel: Sendable {
    let texts = Mutex<[String]>([])

    /// Runs on a free port for the duration of `body`.
    func run<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.get("/cgi-bin/sendsms") { request, _ in
            let text = request.uri.queryParameters["text"].map(String.init) ?? ""
            self.texts.withLock { $0.append(text) }
            return Response(status: .accepted, body: .init(byteBuffer: ByteBuffer(string: "0: Accepted for delivery")))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "stub-kannel")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), backlog: 1024),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await app.runService(gracefulShutdownSignals: [])
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            let result = try await body(port)
            group.cancelAll()
            return result
        }
    }
}
