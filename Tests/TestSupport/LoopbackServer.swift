import Hummingbird
import Logging

/// A stand-in server (an SMS provider, Kannel, an MOE's webhook receiver) on a free port of
/// 127.0.0.1, for the duration of `body`, which is given the port.
public enum LoopbackServer {
    public static func run<T: Sendable>(_ router: Router<BasicRequestContext>, backlog: Int = 256,
                                        _ body: @Sendable (Int) async throws -> T) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "loopback-stub")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), backlog: backlog),
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
