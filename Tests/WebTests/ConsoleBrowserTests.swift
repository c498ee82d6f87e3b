import Foundation
import TestSupport
import Testing

/// The console in headless Chromium (scripts/console_browser_test.py, Selenium): sign in, find a
/// USSD ticket, acknowledge and update it in under five clicks, see the SMS reach a stub provider;
/// another MOE's dispatcher cannot see it. .ci/run installs Chromium and Selenium and enables it.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["CIVICGATE_BROWSER_TEST"] == "1", "needs Chromium and Selenium (.ci/run installs them)"))
struct ConsoleBrowserTests {
    @Test func aDispatcherWorksATicketInARealBrowser() throws {
        let text = try Self.run("console_browser_test.py")
        #expect(text.contains("console browser test passed"))
    }

    /// An organisation's member uploads 500 rows and follows one up; axe-core (PyPI axe-core-python,
    /// which .ci/run installs into .build/venv) checks the pages for WCAG 2.1 A/AA violations.
    @Test func anOrganisationUploadsAndFollowsUpAndThePagesPassAnAccessibilityCheck() throws {
        let venv = repositoryRoot.appendingPathComponent(".build/venv/lib")
        let pythons = (try? FileManager.default.contentsOfDirectory(atPath: venv.path)) ?? []
        let bundled = pythons.map { venv.appendingPathComponent("\($0)/site-packages/axe_core_python/axe.min.js").path }
            .first { FileManager.default.fileExists(atPath: $0) }
        let axe = ProcessInfo.processInfo.environment["CIVICGATE_AXE_JS"] ?? bundled
        let text = try Self.run("portal_browser_test.py", extra: [try #require(axe, "axe.min.js: pip install axe-core-python into .build/venv")])
        #expect(text.contains("portal browser test passed"))
        #expect(text.contains("axe-core ran"))
    }

    static func run(_ script: String, extra: [String] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [repositoryRoot.appendingPathComponent("scripts/\(script)").path,
                             CivicgateProcess.executable.path, repositoryRoot.appendingPathComponent(".build").path] + extra
        process.currentDirectoryURL = repositoryRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        return text
    }
}
