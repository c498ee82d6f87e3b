import ArgumentParser
import Domain
import Foundation
import Gateway

/// `civicgate crew add|list|remove`: an MOE's field crews. A running `serve` sees a change at once
/// (crews are read from the database on every crew member's message).
struct CrewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "crew", abstract: "Manage field crews (job cards by SMS, reports from the site).",
                                                    subcommands: [Add.self, List.self, Remove.self])

    static func desk(_ wiring: Wiring) -> CrewDesk {
        CrewDesk(roster: wiring.staff, ledger: wiring.staff, engine: wiring.gateway.engine, clock: wiring.clock)
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a crew of an MOE with its members' work numbers.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The crew's name, unique within its MOE.") var name: String
        @Option(help: "The MOE it works for (menus/catalogue.yaml).") var moe: String
        @Option(help: "A member's work number (repeat for each member).") var phone: [String] = []
        @Option(help: "The language of its job cards and replies (default: the default language).") var language: String?
        @Option(help: "A service it usually covers (repeatable).") var service: [String] = []
        @Option(help: "An area it usually covers (repeatable).") var area: [String] = []

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            switch try await CrewCommand.desk(wiring).add(name: name, moe: moe, phones: phone, language: language?.lowercased(), services: service,
                                                          areas: area, actor: "civicgate") {
            case .success(let crew):
                print("Added crew '\(crew.name)' of \(crew.moe): \(crew.phones.count) member(s), job cards in \(crew.language).")
            case .failure(let problem): throw ValidationError(problem.description)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List crews, with their open jobs (numbers masked).")
        @OptionGroup var common: CommonOptions
        @Option(help: "Only this MOE's crews.") var moe: String?

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            let board = try await CrewCommand.desk(wiring).board(moe: moe)
            if board.isEmpty { print("No crews yet: civicgate crew add \"<name>\" --moe <moe> --phone <number>") }
            for row in board {
                let c = row.crew
                print("\(c.moe)\t\(c.name)\t\(c.language)\t\(c.phones.map(\.masked).joined(separator: ","))\t\(row.openJobs) open\t\(row.doneToday) done today")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a crew: its open jobs go back to the queue, unassigned.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The crew's name.") var name: String
        @Option(help: "The MOE it works for.") var moe: String

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            guard let released = try await CrewCommand.desk(wiring).remove(name: name, moe: moe, actor: "civicgate") else {
                throw ValidationError("no crew '\(name)' in \(moe)")
            }
            print("Removed crew '\(name)' of \(moe): \(released.count) open job(s) back in the queue, unassigned.")
        }
    }
}
