import ArgumentParser
import Foundation
import Gateway
#if canImport(Glibc)
import Glibc
#endif

/// `civicgate user add`: MOE staff and administrators.
struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage console users.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user; the password comes from CIVICGATE_PASSWORD or a prompt that does not echo it.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The username.") var username: String
        @Option(help: "The MOE the user works for (see menus/catalogue.yaml).") var moe: String
        @Option(help: "dispatcher, supervisor or admin.") var role: String = "dispatcher"

        func run() async throws {
            let wiring = try Wiring(try common.configuration(), logger: quietLogger())
            guard wiring.definitions.catalogue.moe(moe) != nil else {
                throw ValidationError("unknown MOE '\(moe)'; known: \(wiring.definitions.catalogue.moes.map(\.code).joined(separator: ", "))")
            }
            guard let role = StaffUser.Role(rawValue: role) else { throw ValidationError("role must be dispatcher, supervisor or admin") }
            guard username.range(of: "^[A-Za-z0-9._-]{2,64}$", options: .regularExpression) != nil else {
                throw ValidationError("a username is 2-64 letters, digits, dots, dashes or underscores")
            }
            let password = try ProcessInfo.processInfo.environment["CIVICGATE_PASSWORD"] ?? Self.prompt()
            do {
                let user = try await wiring.staff.addUser(username: username, password: password, moe: moe, role: role, at: wiring.clock.now())
                print("Added \(user.role.rawValue) '\(user.username)' for \(user.moe).")
            } catch {
                throw ValidationError("\(error)")
            }
        }

        /// Reads a password twice from the terminal with echo off.
        static func prompt() throws -> String {
            func read(_ label: String) -> String? {
                FileHandle.standardError.write(Data(label.utf8))
                var old = termios()
                let tty = isatty(STDIN_FILENO) == 1 && tcgetattr(STDIN_FILENO, &old) == 0
                if tty {
                    var quiet = old
                    quiet.c_lflag &= ~tcflag_t(ECHO)
                    tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
                }
                defer {
                    if tty {
                        tcsetattr(STDIN_FILENO, TCSANOW, &old)
                        FileHandle.standardError.write(Data("\n".utf8))
                    }
                }
                return readLine()
            }
            guard let first = read("Password: "), let second = read("Again: ") else { throw ValidationError("no password given") }
            guard first == second else { throw ValidationError("the two passwords differ") }
            return first
        }
    }
}

/// `civicgate token add --moe <code>`: an API token for an MOE's own maintenance system.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage MOE API tokens.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token for an MOE; printed once, stored hashed.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The MOE (see menus/catalogue.yaml).") var moe: String

        func run() async throws {
            let wiring = try Wiring(try common.configuration(), logger: quietLogger())
            guard wiring.definitions.catalogue.moe(moe) != nil else { throw ValidationError("unknown MOE '\(moe)'") }
            let token = try await wiring.staff.addToken(moe: moe, at: wiring.clock.now())
            print("API token for \(moe) (shown only now; it is stored hashed): \(token)")
        }
    }
}
