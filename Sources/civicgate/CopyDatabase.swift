import ArgumentParser
import Foundation
import Gateway
import PostgresStore
import Store

/// `civicgate copy-database SOURCE TARGET`: a SQLite database into an empty PostgreSQL one (or
/// back), every table, ids kept, row counts checked at the end.
struct CopyDatabase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy-database",
        abstract: "Copy every ticket, message, account and audit entry from one database to a new, empty one (SQLite file or postgres:// URL).",
        discussion: "Stop civicgate first, so nothing changes during the copy. The target must be empty; counts are compared at the end.")

    @Argument(help: "The database to copy: a SQLite file or postgres://user:password@host:port/db.") var source: String
    @Argument(help: "The new, empty database.") var target: String

    func run() async throws {
        let from = try await Self.open(source, mustExist: true)
        let to = try await Self.open(target, mustExist: false)
        do {
            let counts = try await DatabaseCopy.copy(from: from, to: to)
            for (table, rows) in counts { print("\(table)\t\(rows)") }
            print("Copied \(Self.shown(source)) to \(Self.shown(target)): every table has the same number of rows on both sides.")
        } catch let problem as DatabaseCopy.Problem {
            throw ValidationError(problem.description)
        }
    }

    static func shown(_ name: String) -> String { PostgresAppDatabase.Address(name)?.redacted ?? name }

    static func open(_ name: String, mustExist: Bool) async throws -> any CopyableStore {
        if let address = PostgresAppDatabase.Address(name) {
            let database = PostgresAppDatabase(address, logger: quietLogger())
            Task { await database.run() }
            do { try await database.migrate(within: .seconds(15)) } catch {
                throw ValidationError("cannot use \(address.redacted): \(error)")
            }
            return PostgresCopy(database)
        }
        guard !name.hasPrefix("postgres://") && !name.hasPrefix("postgresql://") else {
            throw ValidationError("'\(PostgresAppDatabase.Address(name)?.redacted ?? "postgres://…")' is not a postgres://user:password@host:port/db URL")
        }
        if mustExist, !FileManager.default.fileExists(atPath: name) { throw ValidationError("there is no database at \(name)") }
        return SQLiteCopy(try AppDatabase.open(path: name))
    }
}
