import ArgumentParser
import Domain
import Foundation
import Gateway

/// `civicgate export open-data FILE`: the open dataset as `GET /open-data/requests.csv` serves it.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export data.", subcommands: [OpenData.self])

    struct OpenData: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "open-data",
            abstract: "Write every ticket without personal data as CSV (docs/open-data.md), batch by batch.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The new file to write (never overwritten).") var file: String

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger())
            guard !FileManager.default.fileExists(atPath: file) else { throw ValidationError("\(file) exists: give a new file") }
            guard FileManager.default.createFile(atPath: file, contents: nil), let handle = FileHandle(forWritingAtPath: file) else {
                throw ValidationError("cannot write \(file)")
            }
            defer { try? handle.close() }
            let engine = wiring.gateway.engine
            let csv = OpenDataCSV(catalogue: engine.catalogue, calendar: engine.settings.calendar, now: wiring.clock.now())
            let rows = try await wiring.staff.writeOpenData(csv) { chunk in try handle.write(contentsOf: Data(chunk.utf8)) }
            print("Wrote \(rows) requests to \(file).")
        }
    }
}
