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
    @Option(help: .hidden) var rowsPerPart = 5000

    func run() async throws {
        let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger())
        let found: Organisation?
        if org.hasPrefix("cg_") { found = try await wiring.organisations.authenticate(key: org) }
        else { found = try await wiring.organisations.organisation(named: org) }
        guard let organisation = found, organisation.revokedAt == nil else { throw ValidationError("no active organisation '\(org)'") }
        // Read, checked and stored a part at a time, the results written as they come: memory
        // stays flat however long the file is.
        guard let input = FileHandle(forReadingAtPath: file) else { throw ValidationError("cannot read \(file)") }
        defer { try? input.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        let path = results ?? file + ".results.json"
        let output = try ResultsFile(path: path)
        var parser = CSVRecordParser()
        var header: [String]?
        var pending: [(number: Int, fields: [String])] = []
        var seen: Set<String> = []
        var tally = Tally()
        var read = 0
        let started = Date()
        func store() async throws {
            guard let header else { return }
            let prepared: (good: [BulkReports.Prepared], bad: [RowResult])
            do { prepared = try wiring.bulk.prepare(header: header, records: pending, seen: &seen) } catch {
                throw ValidationError("\(file): \(error.description)")
            }
            pending.removeAll(keepingCapacity: true)
            let rows = try await wiring.bulk.store(prepared.good, bad: prepared.bad, for: organisation, in: wiring.organisations, batch: max(1, rowsPerPart))
            for row in rows {
                try output.append(row)
                tally.add(row)
            }
            let width = 30
            let filled = size == 0 ? width : min(width, read * width / size)
            FileHandle.standardError.write(Data("\r[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(tally.accepted)/\(tally.rows) rows stored".utf8))
        }
        func take(_ number: Int, _ fields: [String]) {
            if header == nil { header = CSVRecordParser.header(fields) } else { pending.append((number, fields)) }
        }
        do {
            do {
                while let piece = try input.read(upToCount: 1 << 20), !piece.isEmpty {
                    read += piece.count
                    try parser.feed(piece, take)
                    if pending.count >= max(1, rowsPerPart) { try await store() }
                }
                try parser.finish(take)
            } catch let problem as CSVTable.Problem {
                // The rows before the problem are stored and in the results file: a re-run creates nothing new.
                try await store()
                throw ValidationError("\(file): \(problem.description)\(tally.rows > 0 ? " (the \(tally.rows) rows before it were handled: see \(path))" : "")")
            }
            guard header != nil else { throw ValidationError("\(file): \(CSVTable.Problem.empty.description)") }
            try await store()  // the last part; with no rows at all, the header is still checked
        } catch {
            try? output.close()  // a complete JSON array of what was handled, whatever stopped it
            throw error
        }
        FileHandle.standardError.write(Data("\n".utf8))
        try output.close()
        let seconds = Date().timeIntervalSince(started)
        // Counted from what was stored, not from what passed validation: the daily quota and the
        // store refuse rows too, and the results file says so row by row.
        print("\(tally.rows) rows: \(tally.accepted) accepted, \(tally.rows - tally.accepted) rejected, in \(String(format: "%.2f", seconds)) s. Results: \(path)")
        if tally.possible > 0 {
            print("  \(tally.possible) accepted row(s) likely repeat an open ticket: filed, and linked for a dispatcher (possible_duplicate_of)")
        }
        let rejected = tally.firstRejected
        for bad in rejected.prefix(10) {
            print("  row \(bad.row): " + (bad.errors ?? []).map { "\($0.column): \($0.message)" }.joined(separator: "; "))
        }
        let more = tally.rows - tally.accepted - rejected.count
        if more > 0 { print("  ... \(more) more in \(path)") }
    }

    /// What the summary says: counts, and the first rejected rows.
    struct Tally {
        var rows = 0, accepted = 0, possible = 0
        var firstRejected: [RowResult] = []

        mutating func add(_ row: RowResult) {
            rows += 1
            if row.reference != nil { accepted += 1 } else if firstRejected.count < 10 { firstRejected.append(row) }
            if row.possible_duplicate_of != nil { possible += 1 }
        }
    }
}

/// The per-row results, a JSON array written one row at a time.
final class ResultsFile {
    let handle: FileHandle
    let encoder = JSONEncoder()
    var first = true

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data("[".utf8)), let handle = FileHandle(forWritingAtPath: path) else {
            throw ValidationError("cannot write \(path)")
        }
        self.handle = handle
        try handle.seekToEnd()
        encoder.outputFormatting = [.withoutEscapingSlashes]
    }

    func append(_ row: RowResult) throws {
        try handle.write(contentsOf: Data((first ? "\n  " : ",\n  ").utf8) + encoder.encode(row))
        first = false
    }

    func close() throws {
        try handle.write(contentsOf: Data((first ? "]\n" : "\n]\n").utf8))
        try handle.close()
    }
}
