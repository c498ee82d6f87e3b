import ArgumentParser
import Foundation
import Gateway
import Logging

/// `civicgate org add|list|revoke`: community organisations and their API keys.
struct Org: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage community organisations (bulk and Open311 reporters).",
        subcommands: [Add.self, List.self, Revoke.self, Set.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register an organisation; prints its API key, shown only this once.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The organisation's name.") var name: String
        @Option(help: "Reports (CSV rows and Open311 POSTs) it may file per day (default 50000).") var dailyQuota = Organisation.defaultDailyQuota

        func run() async throws {
            guard (1...10_000_000).contains(dailyQuota) else { throw ValidationError("--daily-quota must be 1 to 10000000") }
            let name = self.name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !name.isEmpty, name.count <= 200 else { throw ValidationError("give the organisation a name of 1 to 200 characters") }
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            guard try await wiring.organisations.organisation(named: name) == nil else {
                throw ValidationError("an organisation called '\(name)' already exists")
            }
            let (organisation, key) = try await wiring.organisations.add(name: name, dailyQuota: dailyQuota, at: wiring.clock.now())
            print("Added organisation \(organisation.id) '\(organisation.name)'. Its API key is shown only now; it is stored hashed.")
            print("API key: \(key)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List organisations (keys are never shown, only their first characters).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            let all = try await wiring.organisations.list()
            if all.isEmpty { print("No organisations yet: civicgate org add \"<name>\"") }
            for o in all {
                let state = o.revokedAt.map { "revoked \(Open311Style.day($0))" } ?? "active"
                print("\(o.id)\t\(o.name)\t\(o.keyPrefix)…\t\(state)\t\(o.dailyQuota)/day")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an organisation's API key (by name or id).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "Name or id.") var organisation: String

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            guard try await wiring.organisations.revoke(organisation, at: wiring.clock.now()) else {
                throw ValidationError("no active organisation '\(organisation)'")
            }
            print("Revoked '\(organisation)': its key no longer works.")
        }
    }
}

extension Org {
    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change an organisation's settings (by name or id).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "Name or id.") var organisation: String
        @Option(help: "Reports it may file per day.") var dailyQuota: Int

        func run() async throws {
            guard (1...10_000_000).contains(dailyQuota) else { throw ValidationError("--daily-quota must be 1 to 10000000") }
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            guard try await wiring.organisations.setDailyQuota(organisation, to: dailyQuota) else { throw ValidationError("no organisation '\(organisation)'") }
            print("'\(organisation)' may now file \(dailyQuota) reports a day.")
        }
    }
}

func quietLogger() -> Logger {
    var logger = Logger(label: "civicgate")
    logger.logLevel = .warning
    return logger
}

enum Open311Style {
    static func day(_ date: Date) -> String { String(date.ISO8601Format().prefix(10)) }
}
