import FlowEngine
import Foundation
import TestSupport
import Testing

/// Every scenario in Scenarios/ replayed in every shipped language through the real gateway and
/// database, compared with the golden transcript in Transcripts/<language>/. Set
/// CIVICGATE_RECORD_TRANSCRIPTS=1 to write them anew after a deliberate change, then read the diff.
@Suite struct TranscriptTests {
    static let record = ProcessInfo.processInfo.environment["CIVICGATE_RECORD_TRANSCRIPTS"] == "1"

    static func cases() throws -> [(String, Int, String)] {
        let codes = try shippedDefinitions().locales.codes
        return try TranscriptRunner.scenarios().flatMap { s in codes.enumerated().map { (s.name, $0.offset + 1, $0.element) } }
    }

    @Test(arguments: try cases())
    func transcriptMatchesGolden(scenario: String, index: Int, language: String) async throws {
        let lines = try TranscriptRunner.scenarios().first { $0.name == scenario }!.lines
        let (transcript, _) = try await TranscriptRunner(scenario: scenario, lines: lines, languageIndex: index, language: language).run()
        let file = TranscriptRunner.transcriptFolder.appendingPathComponent(language).appendingPathComponent(scenario + ".txt")
        if Self.record {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try transcript.write(to: file, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: file, encoding: .utf8)
        #expect(transcript == golden, "transcript \(language)/\(scenario) differs from the golden file")
    }

    /// The scenarios together visit every state and take every option of every menu, in every language.
    @Test func scenariosCoverEveryStateAndOptionInEveryLanguage() async throws {
        let definitions = try shippedDefinitions()
        let flow = definitions.flow
        for (i, code) in definitions.locales.codes.enumerated() {
            var steps: Set<TranscriptRunner.Step> = []
            for s in try TranscriptRunner.scenarios() {
                steps.formUnion(try await TranscriptRunner(scenario: s.name, lines: s.lines, languageIndex: i + 1, language: code).run().steps)
            }
            let visited = Set(steps.map(\.after))
            for (id, state) in flow.states {
                switch state.kind {
                case .action(_, let next, let otherwise):
                    // An action leaves no screen of its own: it counts as covered when each way out is seen.
                    let outs = [next] + (otherwise.map { [$0] } ?? [])
                    for out in outs where flow.states[out].map({ if case .action = $0.kind { false } else { true } }) ?? false {
                        #expect(visited.contains(out), "\(code): '\(id)' never went on to '\(out)'")
                    }
                case .menu(_, let options):
                    #expect(visited.contains(id), "\(code): state '\(id)' never shown")
                    for option in options {
                        #expect(steps.contains { $0.before == id && $0.input == option.key && $0.after != id },
                                "\(code): option \(option.key) of '\(id)' never taken")
                    }
                default:
                    #expect(visited.contains(id), "\(code): state '\(id)' never shown")
                }
            }
            // Invalid input, back and home were each exercised.
            #expect(steps.contains { $0.input == "0" && $0.before != $0.after })
            #expect(steps.contains { $0.input == "00" && $0.after == flow.start })
            #expect(steps.contains { $0.input == "98" })
        }
    }
}
