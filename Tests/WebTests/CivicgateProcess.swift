import Foundation
import TestSupport

/// `civicgate serve` as a separate process, built beside this test bundle.
final class CivicgateProcess: @unchecked Sendable {
    static var executable: URL {
        let me = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        return me.deletingLastPathComponent().appendingPathComponent("civicgate")
    }

    struct NotStarted: Error, CustomStringConvertible {
        var output: String
        var description: String { "civicgate did not start:\n\(output)" }
    }

    let process = Process()
    let output = Pipe()
    var port = 0

    init(database: String, port requested: Int = 0, environment: [String: String] = [:]) throws {
        process.executableURL = Self.executable
        process.arguments = ["serve", "--port", String(requested), "--database", database]
        process.currentDirectoryURL = repositoryRoot
        var environment = environment
        if database.hasPrefix("postgres"), environment["CIVICGATE_PSEUDONYM_KEY_FILE"] == nil {
            environment["CIVICGATE_PSEUDONYM_KEY_FILE"] = testPseudonymKeyFile
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = ""
        // Wait for the banner that names the port (bounded, so a broken build fails, not hangs).
        for _ in 0..<600 where port == 0 {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty {
                if !process.isRunning { break }
                Thread.sleep(forTimeInterval: 0.1)
                continue
            }
            seen += String(decoding: data, as: UTF8.self)
            if let range = seen.range(of: "http://127.0.0.1:"), let end = seen[range.upperBound...].firstIndex(where: { !$0.isNumber }) {
                port = Int(seen[range.upperBound..<end]) ?? 0
            }
        }
        guard port != 0 else {
            if process.isRunning { process.terminate() }
            throw NotStarted(output: seen)
        }
    }

    /// Starts one off the task pool: waiting for the banner blocks its thread for as long as the
    /// server takes to come up, and the pool has two threads here, shared with every in-process test.
    static func start(database: String, port: Int = 0, environment: [String: String] = [:]) async throws -> CivicgateProcess {
        try await offThePool { try CivicgateProcess(database: database, port: port, environment: environment) }
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
