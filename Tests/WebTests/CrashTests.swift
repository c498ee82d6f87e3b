import Domain
import Foundation
import HummingbirdTesting
import NIOCore
import Store
import Synchronization
import TestSupport
import Testing

/// `civicgate serve` is killed with SIGKILL while residents are mid-report; after a restart every
/// reference that any of them was shown is in the database and can be tracked.
@Suite struct CrashTests {
    /// References shown to residents so far, from every worker.
    final class Shown: Sendable {
        let references = Mutex<[String]>([])
        /// Set just before the server is killed: from then on an error means it is gone.
        let killed = Mutex(false)
    }

    // Beside the whole parallel suite on CI's two cores, 120 reports to a live server (each now
    // also looking for "already reported") can take more than three minutes.
    @Test(.timeLimit(.minutes(6)))
    func noShownReferenceIsLostWhenTheServerIsKilled() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("civicgate-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = dir.appendingPathComponent("crash.sqlite").path
        let server = try await CivicgateProcess.start(database: database)
        let shown = Shown()
        let target = 40

        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<12 {
                group.addTask {
                    func connected() -> TestClient {
                        let client = TestClient(host: "127.0.0.1", port: server.port, configuration: .init(timeout: .seconds(20)))
                        client.connect()
                        return client
                    }
                    var client = connected()
                    defer { Task { [client] in try? await client.shutdown() } }
                    var round = 0
                    while shown.references.withLock({ $0.count }) < target * 3 && !Task.isCancelled {
                        round += 1
                        // A number per round: one worker that runs ahead under load must not meet the
                        // daily limit of 10 reports per number (an END without a reference).
                        var s = ATSession(live: client, sessionID: "crash-\(worker)-\(round)",
                                          phone: "+2782\(String(format: "%07d", worker * 1000 + round))")
                        do {
                            _ = try await s.dial()
                            // A place each round: no "already reported" offer instead of a reference.
                            for input in ["1", "1", "2", "1", "3", "\(worker * 1000 + round) Main Rd"] { _ = try await s.send(input) }
                            let done = try await s.send("1")
                            guard done.hasPrefix("END ") else { return }
                            shown.references.withLock { $0.append(referenceDigits(done)) }
                        } catch {
                            if shown.killed.withLock({ $0 }) { return }  // the server is gone
                            // Slow under a loaded machine, not gone: a fresh connection, the next round.
                            try? await client.shutdown()
                            client = connected()
                        }
                    }
                }
            }
            // Kill the server mid-traffic once enough references have been shown.
            group.addTask {
                // Stops waiting when the test is cancelled (its time limit), so nothing spins on.
                while shown.references.withLock({ $0.count }) < target && !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(20))
                }
                shown.killed.withLock { $0 = true }
                server.kill9()
            }
            await group.waitForAll()
        }

        let references = shown.references.withLock { $0 }
        #expect(references.count >= target)
        let restarted = try await CivicgateProcess.start(database: database)
        defer { restarted.process.terminate() }
        let tickets = SQLiteTicketStore(try AppDatabase.open(path: database))
        for digits in references {
            let reference = try Reference(parsing: digits)
            #expect(try await tickets.publicTicket(reference) != nil, "reference \(digits) was shown but is lost")
        }
        // And a resident can track one through the restarted server.
        let client = TestClient(host: "127.0.0.1", port: restarted.port, configuration: .init(timeout: .seconds(300)))
        client.connect()
        var s = ATSession(live: client, sessionID: "after-restart", phone: "+27839999999")
        _ = try await s.dial()
        _ = try await s.send("1")
        _ = try await s.send("2")
        let tracked = try await s.send(references[0])
        #expect(tracked.hasPrefix("END Ref "))
        try await client.shutdown()
    }
}
