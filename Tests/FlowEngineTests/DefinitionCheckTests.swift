import FlowDefinitions
import Foundation
import TestSupport
import Testing

/// menus/ and locales/ are checked on start-up: the shipped ones pass, each broken fixture is
/// rejected with a message naming the file and the place.
@Suite struct DefinitionCheckTests {
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/FlowEngineTests/Fixtures")

    static func brokenCases() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0.hasPrefix("broken-") }.sorted()
    }

    @Test func shippedMenusAndLocalesPass() throws {
        let definitions = try shippedDefinitions()
        #expect(definitions.locales.codes == ["en", "zu", "xh", "af", "nso", "st", "tn"])
        #expect(definitions.catalogue.moes.count >= 5)
        // A fallen or exposed cable and a sewage overflow are dangers: their tickets start urgent.
        #expect(definitions.catalogue.priority(service: "electricity", fault: "cable") == .urgent)
        #expect(definitions.catalogue.priority(service: "water", fault: "sewage") == .urgent)
        #expect(definitions.catalogue.priority(service: "water", fault: "leak") == .normal)
        for service in definitions.catalogue.services where service.code != "other" {
            #expect((3...6).contains(service.faults.count), "\(service.code) has \(service.faults.count) fault types")
        }
    }

    @Test func aFirstReplyThatThePrivacyLineWouldPushPastThreeSMSIsRejected() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("civicgate-first-contact-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: dir) }
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        for folder in ["menus", "locales"] {
            try fm.copyItem(at: repositoryRoot.appendingPathComponent(folder), to: dir.appendingPathComponent(folder))
        }
        let en = dir.appendingPathComponent("locales/en.yaml")
        let lines = try String(contentsOf: en, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map { line in
            // 440 characters: three SMS alone, a fourth with the privacy line.
            line.hasPrefix("  sms.help:") ? "  sms.help: \"" + String(repeating: "Send REPORT. ", count: 34) + "Thanks.\"" : String(line)
        }
        try lines.joined(separator: "\n").write(to: en, atomically: true, encoding: .utf8)
        do {
            _ = try Definitions.load(menus: dir.appendingPathComponent("menus").path, locales: dir.appendingPathComponent("locales").path)
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("locales/en.yaml: key 'sms.help', first contact: reply with main.privacy is 4 SMS segments, over 3"),
                    "\(error.description)")
        }
    }

    @Test func minimalValidFixturePasses() throws {
        let dir = Self.fixtures.appendingPathComponent("valid-minimal")
        _ = try Definitions.load(menus: dir.appendingPathComponent("menus").path, locales: dir.appendingPathComponent("locales").path)
    }

    @Test(arguments: try brokenCases())
    func brokenFixtureIsRejectedNamingFileAndPlace(_ name: String) throws {
        let dir = Self.fixtures.appendingPathComponent(name)
        let expected = try String(contentsOf: dir.appendingPathComponent("expect.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        do {
            _ = try Definitions.load(menus: dir.appendingPathComponent("menus").path, locales: dir.appendingPathComponent("locales").path)
            Issue.record("\(name) was accepted")
        } catch {
            let message = error.description
            // One problem line must carry every expected part: file (and line), place, reason.
            let lines = message.split(separator: "\n").map(String.init)
            let match = lines.contains { line in expected.allSatisfy { line.contains($0) } }
            #expect(match, "\(name): no problem line contains all of \(expected):\n\(message)")
        }
    }
}
