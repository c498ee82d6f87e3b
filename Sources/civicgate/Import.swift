import ArgumentParser
import Channels
import Foundation
import Gateway

/// `civicgate import FILE.csv --org <key-or-name>`: the bulk API from the terminal.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a CSV of reports for an organisation (header: \(BulkReports.columns.joined(separator: ","))).",
        discussion: "Per-row results go to FILE.results.json (or --results). Re-importing the same rows creates nothing new.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "The CSV file.") var file: String
    @Option(help: "The organisation: its API key, name or id.") var org: String
    @Option(help: "Where to write per-row results (JSON).") var results: String?

    func run() async throws {
        let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger())
        let found: Organisation?
        if org.hasPrefix("cg_") { found = try await wiring.organisations.authenticate(key: org) }
        else { found = try await wiring.organisations.organisation(named: org) }
        guard let organisation = found, organisation.revokedAt == nil else { throw ValidationError("no active organisation '\(org)'") }
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        let table: CSVTable
        do { table = try CSVTable(parsing: Array(data)) } catch { throw ValidationError("\(file): \(error.description)") }
        let prepared: (good: [BulkReports.Prepared], bad: [RowResult])
        do { prepared = try wiring.bulk.prepare(header: table.header, records: table.records) } catch {
            throw ValidationError("\(file): \(error.description)")
        }
        let total = prepared.good.count
        let started = Date()
        let rows = try await wiring.bulk.store(prepared.good, bad: prepared.bad, for: organisation, in: wiring.organisations, batch: 5000) { done in
            let width = 30
            let filled = total == 0 ? width : done * width / total
            FileHandle.standardError.write(Data("\r[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total) rows stored".utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        let path = results ?? file + ".results.json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        try encoder.encode(rows).write(to: URL(fileURLWithPath: path))
        let seconds = Date().timeIntervalSince(started)
        // Counted from what was stored, not from what passed validation: the daily quota and the
        // store refuse rows too, and the results file says so row by row.
        let rejected = rows.filter { $0.reference == nil }
        print("\(rows.count) rows: \(rows.count - rejected.count) accepted, \(rejected.count) rejected, in \(String(format: "%.2f", seconds)) s. Results: \(path)")
        let possible = rows.filter { $0.possible_duplicate_of != nil }.count
        if possible > 0 { print("  \(possible) accepted row(s) likely repeat an open ticket: filed, and linked for a dispatcher (possible_duplicate_of)") }
        for bad in rejected.prefix(10) {
            print("  row \(bad.row): " + (bad.errors ?? []).map { "\($0.column): \($0.message)" }.joined(separator: "; "))
        }
        if rejected.count > 10 { print("  ... \(rejected.count - 10) more in \(path)") }
    }
}
