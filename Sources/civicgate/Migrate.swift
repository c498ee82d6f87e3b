import ArgumentParser
import Foundation
import PostgresStore

/// `civicgate migrate`: brings the database's schema up to date and stops (the package runs it on
/// upgrade, before the service restarts; `serve` does the same at start).
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the database's pending migrations and stop.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let c = try common.configuration()
        _ = try await Wiring.make(c, logger: quietLogger(), usesKey: false)
        print("civicgate: \(PostgresAppDatabase.Address(c.database)?.redacted ?? c.database) is migrated")
    }
}
