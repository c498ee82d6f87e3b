import ArgumentParser
import Domain
import Foundation
import Gateway

/// `civicgate purge [--dry-run]`: removes personal data past its retention (menus/retention.yaml).
struct PurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Remove personal data past its retention (menus/retention.yaml): numbers hashed, words dropped, figures kept.",
        discussion: "serve does this every day by itself; --dry-run prints what would go and changes nothing.")

    @OptionGroup var common: CommonOptions
    @Flag(help: "Count what would be removed, per data class, and change nothing.") var dryRun = false

    func run() async throws {
        let c = try common.configuration()
        let wiring = try await Wiring.make(c, logger: quietLogger())
        let purge: Purge
        do { purge = try wiring.purge(c) } catch { throw ValidationError("\(error)") }
        let counts = try await purge.run(dryRun: dryRun, actor: "cli:purge")
        for (dataClass, n) in counts {
            let days = wiring.definitions.retention.days[dataClass] ?? 0
            print("\(dataClass.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)) older than \(days) days: \(n) \(dryRun ? "would be purged" : "purged")")
        }
        if dryRun { print("Dry run: nothing was changed.") } else {
            let ms = { (d: Duration) in Int((d / .milliseconds(1)).rounded(.up)) }
            if purge.longestHold.duration > .zero {
                print("Longest batch: \(ms(purge.longestHold.duration)) ms holding the database's write lock (a hop's write waits at most that long "
                      + "for the purge), \(ms(purge.longestBatch.duration)) ms with its own wait for the lock")
            } else {
                print("Longest batch: \(ms(purge.longestBatch.duration)) ms")
            }
        }
    }
}
