import ArgumentParser
import FlowDefinitions
import Foundation

struct MenusCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check every state in every locale: transitions, translations, screen budget, GSM-7 text.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let c = try common.configuration()
        let definitions = try loadDefinitions(c)
        for note in definitions.notes { print(note) }
        let states = definitions.flow.states.count
        let sms = definitions.smsFlow.map { ", SMS flow \($0.states.count) states and \($0.keywords.count + $0.commands.count) keywords" } ?? ""
        print("OK: \(c.menus) and \(c.locales): USSD flow \(states) states\(sms), \(definitions.locales.ordered.count) languages (\(definitions.locales.codes.joined(separator: ", "))); every USSD screen within 182 GSM-7 characters, every SMS reply within 3 segments.")
    }
}
