import ArgumentParser
import Foundation
import Store

/// `civicgate backup FILE`: a consistent online copy of the SQLite database while `serve` runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the SQLite database to a new file while the gateway keeps running (SQLite's online backup).",
        discussion: "To restore: stop civicgate, keep the damaged file aside, copy the backup to CIVICGATE_DATABASE, start civicgate.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "The new file to write (never overwritten).") var file: String

    func run() async throws {
        let c = try common.configuration()
        guard !c.database.hasPrefix("postgres://") && !c.database.hasPrefix("postgresql://") else {
            throw ValidationError("backup copies a SQLite database; back up PostgreSQL with pg_dump or a base backup (docs/postgresql.md)")
        }
        do {
            let s = try Backup.copy(from: c.database, to: file)
            print("Backed up \(c.database) to \(file): \(s.tickets) tickets, \(s.outbox) SMS, \(s.auditEntries) audit entries, \(s.bytes / 1024) KiB; integrity ok.")
        } catch let problem as Backup.Problem {
            throw ValidationError(problem.description)
        }
    }
}
