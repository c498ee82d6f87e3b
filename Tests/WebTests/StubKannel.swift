import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import TestSupport

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
        return try await LoopbackServer.run(router, backlog: 1024, body)
    }
}
