import Domain
import Foundation
import HummingbirdTesting
import TestSupport
import Testing

/// Against a real Kannel (bearerbox + smsbox started by .ci/run from scripts/kannel/, fakesmsc
/// started here as the operator's SMSC): a USSD report's confirmation reaches the phone through
/// Kannel, and an MO `STATUS <ref>` goes phone -> Kannel -> /sms/kannel and its reply comes back.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CIVICGATE_KANNEL_TEST"] == "1", "needs Kannel on loopback (.ci/run starts it)"))
struct KannelIntegrationTests {
    static let fakesmsc = "/usr/lib/kannel/test/fakesmsc"

    /// A fakesmsc connected to bearerbox, printing what it receives.
    final class FakeSMSC: @unchecked Sendable {
        let process = Process()
        let log: URL

        init(_ mo: [String], in dir: URL, name: String) throws {
            log = dir.appendingPathComponent(name)
            FileManager.default.createFile(atPath: log.path, contents: nil)
            // fakesmsc buffers its output when it is not a terminal: stdbuf makes each line visible at once.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/stdbuf")
            process.arguments = ["-oL", "-eL", KannelIntegrationTests.fakesmsc, "-H", "127.0.0.1", "-r", "10000", "-v", "0", "-i", "0.5", "-m", String(mo.count)] + (mo.isEmpty ? ["0 0 text none"] : mo)
            process.standardOutput = try FileHandle(forWritingTo: log)
            process.standardError = process.standardOutput
            try process.run()
        }

        var received: [String] {
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains("Got message") }.map(String.init)
        }

        /// Waits (bounded) for a received message containing `text`.
        func await(_ text: String) async -> String? {
            for _ in 0..<900 {  // at least 90 s: a bound for a busy machine, not a wait
                if let line = received.first(where: { $0.contains(text) }) { return line }
                try? await Task.sleep(for: .milliseconds(100))
            }
            return nil
        }

        /// fakesmsc ignores SIGTERM while it waits on bearerbox: it is killed outright.
        func stop() {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func ussdConfirmationAndSMSStatusTravelThroughKannel() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("civicgate-kannel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let phone = FakeSMSCPhone.number
        let first = try FakeSMSC([], in: dir, name: "fakesmsc-1.log")
        let server = try await CivicgateProcess.start(database: dir.appendingPathComponent("kannel.sqlite").path, port: 18090, environment: [
            "CIVICGATE_SMS_PROVIDER": "kannel", "CIVICGATE_SMS_URL": "http://127.0.0.1:13013/cgi-bin/sendsms",
            "CIVICGATE_SMS_USERNAME": "civicgate", "CIVICGATE_SMS_PASSWORD": "kannel-test", "CIVICGATE_SMS_SENDER": "40001",
        ])
        defer { server.stop(); first.stop() }

        // A resident reports by USSD...
        // (each hop on a connection of its own: one kept between hops can idle out on a busy machine)
        var s = ATSession(port: server.port, sessionID: "kannel-1", phone: phone)
        _ = try await s.dial()
        for input in ["1", "1", "1", "1", "1", "12 Vilakazi St"] { _ = try await s.send(input) }
        let done = try await s.send("1")
        let reference = try Reference(parsing: referenceDigits(done))

        // ...and the confirmation SMS reaches their phone through Kannel.
        let confirmation = await first.await(reference.grouped)
        #expect(confirmation != nil, "no confirmation at fakesmsc: \(first.received)")
        #expect(confirmation?.contains(phone) == true)
        first.stop()

        // The resident texts STATUS; Kannel delivers it to /sms/kannel; the reply comes back.
        let second = try FakeSMSC(["\(phone) 40001 text STATUS \(reference.digits)"], in: dir, name: "fakesmsc-2.log")
        defer { second.stop() }
        let status = await second.await("Ref \(reference.grouped)")
        #expect(status != nil, "no STATUS reply at fakesmsc: \(second.received)")
        #expect(status?.contains("New") == true)
    }
}

enum FakeSMSCPhone {
    static let number = "+27821239876"
}
