import Foundation
import Testing

/// `civicgate serve` on SQLite shows its one writer's figures on `/metrics`: each ticket's wait
/// for the writer and each round that committed it (`WriterFigures`, `docs/scaling.md`).
@Suite struct WriterFiguresTests {
    @Test(.timeLimit(.minutes(5)))  // as the other tests that start a serve: a busy machine, not a wait
    func everyTicketsWaitForTheWriterAndEveryRoundAreCounted() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("civicgate-writer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try await CivicgateProcess.start(database: dir.appendingPathComponent("writer.sqlite").path)
        defer { server.stop() }
        for i in 1...3 {
            var s = ATSession(port: server.port, sessionID: "w-\(i)", phone: "+2782556\(String(format: "%04d", i))")
            _ = try await s.dial()
            for input in ["1", "1", "1", "1", "1", "House \(i)"] { _ = try await s.send(input) }
            #expect(try await s.send("1").hasPrefix("END "), "a reference, not an offer or an apology")
        }
        // A direct loopback peer needs no token.
        let port = server.port
        func scrape() async throws -> String {
            try await offThePool {
                let connection = try RawConnection(port: port)
                connection.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                return connection.readToClose() ?? ""
            }
        }
        func count(_ name: String, in metrics: String) -> Int? {
            metrics.split(separator: "\n").first { $0.hasPrefix("\(name)_count ") }.flatMap { Int($0.split(separator: " ")[1]) }
        }
        // A round is recorded just after its replies leave (nothing is added before a reply), so
        // the last ticket's round may reach `/metrics` a moment after its `END`: ask again until
        // all three tickets are counted, a bounded number of times.
        var metrics = try await scrape()
        var asked = 1
        while (count("civicgate_hop_commit_wait_seconds", in: metrics) ?? 0) < 3, asked < 200 {
            try await Task.sleep(for: .milliseconds(25))
            metrics = try await scrape()
            asked += 1
        }
        let waits = try #require(count("civicgate_hop_commit_wait_seconds", in: metrics), "\(metrics.prefix(2000))")
        let rounds = try #require(count("civicgate_writer_round_seconds", in: metrics))
        #expect(waits >= 3, "each of the three tickets waited for the writer")
        #expect((1...waits).contains(rounds), "a round commits one hop or more")
        #expect(metrics.contains(#"civicgate_writer_round_seconds_bucket{le="+Inf"} \#(rounds)"#))
    }
}
