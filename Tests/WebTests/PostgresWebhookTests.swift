import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import TestSupport
import Testing

/// Webhooks from two `civicgate serve` processes on one PostgreSQL database, one killed with
/// SIGKILL while it delivers: every event still reaches the MOE's receiver (on 127.0.0.1) at least
/// once, the survivor taking over the killed one's leases. Runs when CIVICGATE_TEST_POSTGRES_URL is set.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"] != nil))
struct PostgresWebhookTests {
    /// A slow receiver: 30 ms an answer, so an instance is mid-batch when it is killed.
    final class Receiver: Sendable {
        let bodies = Mutex<[(id: String, body: String)]>([])

        func run<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
            let router = Router()
            router.post("/hook") { request, _ -> HTTPResponse.Status in
                let text = String(buffer: try await request.body.collect(upTo: 1 << 20))
                try await Task.sleep(for: .milliseconds(30))
                self.bodies.withLock { $0.append((request.headers[HTTPField.Name("webhook-id")!] ?? "", text)) }
                return .noContent
            }
            return try await LoopbackServer.run(router, body)
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func everyEventIsDeliveredAtLeastOnceWhenAnInstanceIsKilledWhileSending() async throws {
        let receiver = Receiver()
        try await receiver.run { port in
            try await FreshPostgres.with { database in
                let url = try await FreshPostgres.url(of: database)
                let environment = ["CIVICGATE_WEBHOOK_ALLOW_HTTP": "127.0.0.1", "CIVICGATE_WEBHOOK_ALLOW_PRIVATE": "127.0.0.1/32", "CIVICGATE_BULK_RATE": "1000"]
                let serve = PostgresServeTests()
                let added = try serve.cli(["webhook", "add", "--moe", "water", "--url", "http://127.0.0.1:\(port)/hook", "--events", "ticket.created"],
                                          database: url, environment: environment)
                #expect(added.contains("whsec_"), "\(added)")
                let key = try serve.cli(["org", "add", "Ward 12 committee"], database: url).split(separator: " ").last
                    .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
                let a = try await CivicgateProcess.start(database: url, environment: environment)
                let b = try await CivicgateProcess.start(database: url, environment: environment)
                defer { a.stop(); b.stop() }
                let client = TestClient(host: "127.0.0.1", port: a.port, configuration: .init(timeout: .seconds(300)))
                client.connect()
                let rows = (0..<120).map { "w\($0),water.leak,soweto,\($0 + 1) Main Rd,Leak,\n" }.joined()
                let upload = try await client.post("/api/v1/bulk-reports", headers: [.authorization: "Bearer \(key)", .contentType: "text/csv"],
                                                   body: ByteBuffer(string: "external_id,service_code,area,address,description,phone\n" + rows))
                #expect(upload.status == .ok)
                try await client.shutdown()
                let filed = ((try JSONSerialization.jsonObject(with: Data(buffer: upload.body ?? ByteBuffer())) as? [String: Any])?["rows"] as? [[String: Any]] ?? [])
                    .compactMap { $0["reference"] as? String }
                #expect(filed.count == 120)
                // Killed while both send.
                while receiver.bodies.withLock({ $0.count }) < 10 { try await Task.sleep(for: .milliseconds(10)) }
                a.kill9()
                // The survivor delivers the rest, and what the killed one held once its lease lapses.
                var told = Set<String>()
                for _ in 0..<2400 {
                    told = Set(receiver.bodies.withLock { $0 }.compactMap { item -> String? in
                        let json = try? JSONSerialization.jsonObject(with: Data(item.body.utf8)) as? [String: Any]
                        return (json?["data"] as? [String: Any])?["reference"] as? String
                    })
                    if told.isSuperset(of: filed) { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(told.isSuperset(of: filed), "missing: \(Set(filed).subtracting(told).count)")
                let ids = receiver.bodies.withLock { $0.map(\.id) }
                // At least once: only a message the killed instance had in flight may arrive twice.
                #expect(ids.count - Set(ids).count <= 32, "sent twice: \(ids.count - Set(ids).count)")
            }
        }
    }
}
