import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import TestSupport

/// A loopback stand-in for an SMS provider: records every request exactly as it arrived and
/// answers with whatever `answer` says for the n-th request (0-based).
final class ProviderStub: Sendable {
    struct Recorded: Sendable {
        var method: String
        var uri: String
        var headers: [String: String]
        var body: String
    }

    let recorded = Mutex<[Recorded]>([])
    let answer: @Sendable (Int) -> (Int, String)

    init(answer: @escaping @Sendable (Int) -> (Int, String)) { self.answer = answer }

    var requests: [Recorded] { recorded.withLock { $0 } }

    func handle(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.rawName] = field.value }
        let n = recorded.withLock { r in
            r.append(Recorded(method: request.method.rawValue, uri: request.uri.description, headers: headers, body: String(buffer: body)))
            return r.count - 1
        }
        let (status, text) = answer(n)
        var fields: HTTPFields = [.contentType: text.hasPrefix("{") ? "application/json" : "text/plain"]
        // A redirect's answer is where it points.
        if (300..<400).contains(status) { fields[.location] = text }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Runs the stub on a free loopback port for the duration of `body`.
    func run<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.get("/cgi-bin/sendsms") { request, _ in try await self.handle(request) }
        router.post("/version1/messaging") { request, _ in try await self.handle(request) }
        // A webhook receiver, and where a redirect would lead.
        router.post("/hook") { request, _ in try await self.handle(request) }
        router.post("/elsewhere") { request, _ in try await self.handle(request) }
        return try await LoopbackServer.run(router, body)
    }
}
