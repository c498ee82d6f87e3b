import Domain
import Foundation
import HummingbirdTesting
import NIOCore
import Synchronization
import TestSupport
import Testing

/// Two `civicgate serve` processes on one PostgreSQL database, as behind a load balancer: an
/// aggregator stand-in sends every other hop to the other instance; one instance is killed with
/// SIGKILL halfway and the other carries on. Runs when CIVICGATE_TEST_POSTGRES_URL is set.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CIVICGATE_TEST_POSTGRES_URL"] != nil))
struct PostgresServeTests {
    final class Shown: Sendable {
        let references = Mutex<[String]>([])
        let failures = Mutex<[String]>([])
        let killed = Mutex(false)
    }

    func cli(_ arguments: [String], database: String, environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = CivicgateProcess.executable
        process.arguments = arguments + ["--database", database]
        process.currentDirectoryURL = repositoryRoot
        process.environment = ProcessInfo.processInfo.environment.merging(["CIVICGATE_PSEUDONYM_KEY_FILE": testPseudonymKeyFile]) { $1 }
            .merging(environment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(.timeLimit(.minutes(4)))
    func twoInstancesShareOneDatabaseAndTheSurvivorCarriesOn() async throws {
        try await FreshPostgres.with { database in
            let url = try await FreshPostgres.url(of: database)
            let token = try cli(["token", "add", "--moe", "water"], database: url).split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            #expect(token.hasPrefix("mt_"))
            let a = try await CivicgateProcess.start(database: url)
            let b = try await CivicgateProcess.start(database: url)
            defer { a.stop(); b.stop() }
            let clients = [a.port, b.port].map { TestClient(host: "127.0.0.1", port: $0, configuration: .init(timeout: .seconds(300))) }
            clients.forEach { $0.connect() }
            let shown = Shown()

            // Each session's hops alternate between the instances; once A is dead, everything goes to B.
            func post(_ hop: Int, _ body: ByteBuffer) async throws -> String {
                let target = shown.killed.withLock { $0 } ? 1 : hop % 2
                let r = try await clients[target].post("/ussd/africastalking", headers: formHeaders, body: body)
                return r.body.map { String(buffer: $0) } ?? ""
            }
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for round in 0..<5 {
                            let phone = "+2782\(String(format: "%03d", worker))\(String(format: "%04d", round))"
                            var history: [String] = []
                            var screen = ""
                            do {
                                var hop = worker  // start on either instance
                                func send(_ text: String) async throws -> String {
                                    hop += 1
                                    return try await post(hop, form(["sessionId": "pg-\(worker)-\(round)", "serviceCode": "*120*1234#",
                                                                     "phoneNumber": phone, "networkCode": "65501", "text": text]))
                                }
                                screen = try await send("")
                                for input in ["1", "1", "1", "1", "1", "\(worker * 10 + round + 1) Main Rd", "1"] {  // each its own place: no "already reported"
                                    history.append(input)
                                    screen = try await send(history.joined(separator: "*"))
                                }
                                // The aggregator retries the last hop on the other instance: same answer.
                                let retried = try await send(history.joined(separator: "*"))
                                guard screen.hasPrefix("END "), retried == screen else {
                                    shown.failures.withLock { $0.append("\(screen) / \(retried)") }
                                    continue
                                }
                                shown.references.withLock { $0.append(referenceDigits(screen)) }
                            } catch {
                                continue  // a hop in flight to the killed instance: the resident redials
                            }
                        }
                    }
                }
                group.addTask {
                    while shown.references.withLock({ $0.count }) < 15 && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                    shown.killed.withLock { $0 = true }
                    a.kill9()
                }
                await group.waitForAll()
            }
            let references = shown.references.withLock { $0 }
            #expect(references.count >= 30, "references shown: \(references.count), failures: \(shown.failures.withLock { $0.prefix(3) })")
            #expect(Set(references).count == references.count, "no reference shown twice")
            // Every reference shown is found through the survivor, once.
            let ids = references.joined(separator: ",")
            let listed = try await clients[1].get("/open311/v2/requests.json?service_request_id=\(ids)&page_size=500")
            let found = (try JSONSerialization.jsonObject(with: Data(buffer: listed.body ?? ByteBuffer())) as? [[String: Any]]) ?? []
            #expect(Set(found.compactMap { $0["service_request_id"] as? String }) == Set(references))
            // The MOE API on the survivor, with a token made by the CLI on the same database.
            let api = try await clients[1].get("/api/v1/tickets", headers: [.authorization: "Bearer \(token)"])
            let total = (try JSONSerialization.jsonObject(with: Data(buffer: api.body ?? ByteBuffer())) as? [String: Any])?["total"] as? Int
            #expect((total ?? 0) >= references.count, "every shown reference is in the queue (a reply lost with the killed instance may add one)")
            try? await clients[0].shutdown()
            try await clients[1].shutdown()
        }
    }

    /// The acceptance run: 120 concurrent report sessions over two instances sending through one
    /// stub Kannel, instance A killed halfway. Every reference shown is stored once, and its
    /// confirmation reaches the provider at least once (twice only when A died mid-send).
    @Test(.timeLimit(.minutes(5)))
    func aHundredAndTwentyConcurrentSessionsAcrossTwoInstancesEachGetTheirConfirmation() async throws {
        let kannel = StubKannel()
        try await kannel.run { kannelPort in
            try await FreshPostgres.with { database in
                let url = try await FreshPostgres.url(of: database)
                let environment = ["CIVICGATE_SMS_PROVIDER": "kannel", "CIVICGATE_SMS_URL": "http://127.0.0.1:\(kannelPort)/cgi-bin/sendsms",
                                   "CIVICGATE_SMS_USERNAME": "cg", "CIVICGATE_SMS_PASSWORD": "pw", "CIVICGATE_OUTBOX_LEASE_SECONDS": "3"]
                let a = try await CivicgateProcess.start(database: url, environment: environment)
                let b = try await CivicgateProcess.start(database: url, environment: environment)
                defer { a.stop(); b.stop() }
                let clients = [a.port, b.port].map { TestClient(host: "127.0.0.1", port: $0, configuration: .init(timeout: .seconds(300))) }
                clients.forEach { $0.connect() }
                let shown = Shown()
                await withTaskGroup(of: Void.self) { group in
                    for session in 0..<120 {
                        group.addTask {
                            let phone = "+2782\(String(format: "%07d", 3_000_000 + session))"
                            var history: [String] = []
                            var hop = session
                            func send() async throws -> String {
                                hop += 1
                                let body = form(["sessionId": "load-\(session)", "serviceCode": "*120*1234#", "phoneNumber": phone,
                                                 "networkCode": "65501", "text": history.joined(separator: "*")])
                                let target = shown.killed.withLock { $0 } ? 1 : hop % 2
                                do {
                                    let r = try await clients[target].post("/ussd/africastalking", headers: formHeaders, body: body)
                                    return r.body.map { String(buffer: $0) } ?? ""
                                } catch where target == 0 {
                                    // As nginx's proxy_next_upstream does: the hop again, on the survivor.
                                    let r = try await clients[1].post("/ussd/africastalking", headers: formHeaders, body: body)
                                    return r.body.map { String(buffer: $0) } ?? ""
                                }
                            }
                            do {
                                var screen = try await send()
                                for input in ["1", "1", "1", "1", "1", "House \(session)", "1"] {
                                    history.append(input)
                                    screen = try await send()
                                }
                                if screen.hasPrefix("END ") { shown.references.withLock { $0.append(referenceDigits(screen)) } }
                            } catch {
                                shown.failures.withLock { $0.append("\(session): \(error)") }
                            }
                        }
                    }
                    group.addTask {
                        while shown.references.withLock({ $0.count }) < 50 && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
                        shown.killed.withLock { $0 = true }
                        a.kill9()
                    }
                    await group.waitForAll()
                }
                let references = shown.references.withLock { $0 }
                #expect(references.count == 120, "shown: \(references.count); failures: \(shown.failures.withLock { $0.prefix(3) })")
                #expect(Set(references).count == references.count)
                // The survivor's sender delivers every confirmation (A's unfinished claims after their lease).
                var missing = Set(references)
                for _ in 0..<600 where !missing.isEmpty {
                    let texts = kannel.texts.withLock { $0 }
                    missing = missing.filter { ref in !texts.contains { $0.filter(\.isNumber).contains(ref) } }
                    if !missing.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(missing.isEmpty, "\(missing.count) confirmations never reached the provider")
                let texts = kannel.texts.withLock { $0 }
                let twice = references.filter { ref in texts.filter { $0.filter(\.isNumber).contains(ref) }.count > 1 }
                print("multi-instance: \(references.count) references shown, \(texts.count) SMS sent, \(twice.count) confirmations sent twice (in flight in the killed instance)")
                // At most what A's sender had claimed and not recorded: one batch (128).
                #expect(twice.count <= 128, "only messages in flight in the killed instance may go twice")
                // Every reference shown is found through the survivor.
                let listed = try await clients[1].get("/open311/v2/requests.json?service_request_id=\(references.joined(separator: ","))&page_size=500")
                let found = (try JSONSerialization.jsonObject(with: Data(buffer: listed.body ?? ByteBuffer())) as? [[String: Any]]) ?? []
                #expect(Set(found.compactMap { $0["service_request_id"] as? String }) == Set(references))
                try? await clients[0].shutdown()
                try await clients[1].shutdown()
            }
        }
    }
}
