import ArgumentParser
import Domain
import Foundation
import Gateway
import Logging

/// A phone in the terminal, running the real engine against the real database.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Dial the USSD menus from the terminal (for demos and training).",
        discussion: "Type the number of an option, or text, and press Enter. An empty line or 'q' hangs up.")

    @OptionGroup var common: CommonOptions
    @Option(help: "The caller's phone number.") var msisdn = "+27820000001"
    @Option(help: "The USSD code dialled.") var serviceCode = "*120*1234#"
    @Option(help: "Answers to replay without asking, separated by '*' (e.g. \"1*1*2*4*12 Main Rd*1\").") var script: String?

    func run() async throws {
        let c = try common.configuration()
        var logger = Logger(label: "civicgate.simulate")
        logger.logLevel = .warning
        let wiring = try await Wiring.make(c, logger: logger)
        guard let caller = MSISDN(msisdn) else { throw ValidationError("'\(msisdn)' is not a phone number") }
        try await call(caller, wiring)
        // Hung up or done: the session and a language chosen go to disk, for the next call to find.
        try await wiring.stores.conversations.saveHeldSessions()
    }

    private func call(_ caller: MSISDN, _ wiring: Wiring) async throws {
        let session = "sim-\(UInt32.random(in: 0...UInt32.max))"
        var answers = script.map { $0.split(separator: "*", omittingEmptySubsequences: false).map(String.init) }
        var input: String? = nil
        print("Dialling \(serviceCode) from \(caller.masked)")
        while true {
            let event = UssdEvent(provider: "simulator", sessionID: session, msisdn: caller, serviceCode: serviceCode, network: nil, input: .latest(input))
            let reply = await wiring.gateway.handle(event)
            print("")
            print(box(reply.text))
            if reply.isFinal {
                print("[session ended]")
                return
            }
            if answers != nil {
                guard !answers!.isEmpty else {
                    print("[script ended; hanging up]")
                    return
                }
                input = answers!.removeFirst()
                print("> \(input!)")
            } else {
                FileHandle.standardOutput.write(Data("> ".utf8))
                guard let line = readLine(), !line.isEmpty, line != "q" else {
                    print("[hung up]")
                    return
                }
                input = line
            }
        }
    }

    /// The screen as a phone shows it, with its length against the 182-character budget.
    func box(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let width = max(24, lines.map(\.count).max() ?? 0)
        let bar = "+" + String(repeating: "-", count: width + 2) + "+"
        return ([bar] + lines.map { "| " + $0.padding(toLength: width, withPad: " ", startingAt: 0) + " |" } + [bar, "  \(text.count)/182 characters"])
            .joined(separator: "\n")
    }
}
