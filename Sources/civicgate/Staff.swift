import ArgumentParser
import Domain
import Foundation
import Gateway
#if canImport(Glibc)
import Glibc
#endif

/// `civicgate user add`: MOE staff, administrators and organisations' members.
struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage console users.",
                                                    subcommands: [Add.self, List.self, Disable.self, Password.self, Contact.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user; the password comes from CIVICGATE_PASSWORD or a prompt that does not echo it.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The username.") var username: String
        @Option(help: "The MOE the user works for (see menus/catalogue.yaml).") var moe: String?
        @Option(help: "The organisation (name or id) an organisation member belongs to.") var org: String?
        @Option(help: "dispatcher, supervisor, admin or organisation.") var role: String?

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            guard let role = StaffUser.Role(rawValue: role ?? (org == nil ? "dispatcher" : "organisation")) else {
                throw ValidationError("role must be dispatcher, supervisor, admin or organisation")
            }
            var organisation: Organisation?
            if let org {
                organisation = try await wiring.organisations.organisation(named: org)
                if organisation == nil { throw ValidationError("no organisation '\(org)' (civicgate org list)") }
            }
            let scope: StaffScope
            switch AccountRules.scope(role: role, moe: moe, organisation: organisation, catalogue: wiring.definitions.catalogue) {
            case .success(let s): scope = s
            case .failure(let problem): throw ValidationError(problem.description)
            }
            if let problem = AccountRules.usernameProblem(username) { throw ValidationError(problem) }
            let password = try newPassword()
            do {
                let user = try await wiring.staff.addUser(username: username, password: password, scope: scope, role: role, at: wiring.clock.now())
                if let organisation {
                    print("Added member '\(user.username)' of organisation '\(organisation.name)'.")
                } else {
                    print("Added \(user.role.rawValue) '\(user.username)' for \(user.moe).")
                }
            } catch {
                throw ValidationError("\(error)")
            }
        }

    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List console users (never their passwords).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            let users = try await wiring.staff.users()
            if users.isEmpty { print("No users yet: civicgate user add <username> --moe <code> --role dispatcher") }
            for a in users {
                let state = a.disabledAt.map { "disabled \(Open311Style.day($0))" } ?? "active"
                let reach = [a.contact.head ? "head" : nil, a.contact.phone.map { "SMS \($0.masked)" }, a.contact.email.map { "e-mail \($0)" }]
                    .compactMap { $0 }.joined(separator: ", ")
                print("\(a.user.username)\t\(a.user.scope)\t\(a.user.role.rawValue)\t\(state)" + (reach.isEmpty ? "" : "\t\(reach)"))
            }
        }
    }

    struct Contact: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How a supervisor is told of escalated tickets: a number for SMS, an address for e-mail, and whether they head their MOE.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The username.") var username: String
        @Option(help: "Mobile number for SMS (0821234567 or +27821234567); \"none\" removes it.") var phone: String?
        @Option(help: "E-mail address; \"none\" removes it.") var email: String?
        @Flag(inversion: .prefixedNo, help: "One of the MOE's heads (told at escalation level 2).") var head: Bool?

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            guard let account = try await wiring.staff.users().first(where: { $0.user.username == username }) else {
                throw ValidationError("no user '\(username)'")
            }
            var contact = account.contact
            if let phone {
                if phone == "none" { contact.phone = nil } else {
                    guard let number = MSISDN(phone) else { throw ValidationError("'\(phone)' is not a mobile number") }
                    contact.phone = number
                }
            }
            if let email {
                if email == "none" { contact.email = nil } else {
                    guard email.count <= 254, email.range(of: #"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$"#, options: .regularExpression) != nil else {
                        throw ValidationError("'\(email)' is not an e-mail address")
                    }
                    contact.email = email
                }
            }
            if let head { contact.head = head }
            _ = try await wiring.staff.setContact(username, contact)
            print("\(username): " + [contact.head ? "head of \(account.user.moe)" : nil, contact.phone.map { "SMS to \($0.masked)" },
                                      contact.email.map { "e-mail to \($0)" }].compactMap { $0 }.joined(separator: ", ").nonEmpty(or: "not reachable"))
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user: sign-in refused, open sessions ended.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The username.") var username: String

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            guard try await wiring.staff.disableUser(username, at: wiring.clock.now()) else { throw ValidationError("no active user '\(username)'") }
            print("Disabled '\(username)'; their sessions are ended.")
        }
    }

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a new password (from CIVICGATE_PASSWORD or a prompt); ends the user's sessions and clears their sign-in wait.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The username.") var username: String

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            let password = try newPassword()
            do {
                guard try await wiring.staff.setPassword(username, to: password, at: wiring.clock.now()) else { throw ValidationError("no user '\(username)'") }
            } catch let error as ValidationError { throw error } catch { throw ValidationError("\(error)") }
            print("New password set for '\(username)'.")
        }
    }
}

/// The password from CIVICGATE_PASSWORD, or typed twice at a prompt that does not echo it.
func newPassword() throws -> String {
    try ProcessInfo.processInfo.environment["CIVICGATE_PASSWORD"] ?? PasswordPrompt.read()
}

enum PasswordPrompt {
    /// Reads a password twice from the terminal with echo off.
    static func read() throws -> String {
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

/// `civicgate token add --moe <code>`: an API token for an MOE's own maintenance system.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage MOE API tokens.", subcommands: [Add.self, List.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token for an MOE; printed once, stored hashed.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The MOE (see menus/catalogue.yaml).") var moe: String

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            guard wiring.definitions.catalogue.moe(moe) != nil else { throw ValidationError("unknown MOE '\(moe)'") }
            let token = try await wiring.staff.addToken(moe: moe, at: wiring.clock.now())
            print("API token for \(moe) (shown only now; it is stored hashed): \(token)")
        }
    }
}

extension Token {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List MOE API tokens (id, MOE, first characters, state).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            let tokens = try await wiring.staff.tokens()
            if tokens.isEmpty { print("No tokens yet: civicgate token add --moe <code>") }
            for t in tokens {
                let state = t.revokedAt.map { "revoked \(Open311Style.day($0))" } ?? "active"
                print("\(t.id)\t\(t.moe)\t\(t.prefix)…\t\(state)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an MOE API token by its id or its first characters (as token list shows them).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "Id or first characters.") var token: String

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            guard try await wiring.staff.revokeToken(token, at: wiring.clock.now()) else { throw ValidationError("no active token '\(token)'") }
            print("Revoked token '\(token)': it no longer works.")
        }
    }
}

extension String {
    func nonEmpty(or fallback: String) -> String { isEmpty ? fallback : self }
}
