import ArgumentParser
import Domain
import FlowEngine
import Foundation
import Gateway

/// `civicgate subject verify|export|erase <number>`: data-subject requests (POPIA ss23-24).
struct Subject: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer a data-subject request about one phone number: verify the requester, export what is held, erase it.",
        subcommands: [Verify.self, ExportData.self, Erase.self])

    static func number(_ text: String) throws -> MSISDN {
        guard let n = MSISDN(text) else { throw ValidationError("'\(text)' is not a phone number (0821234567 or +27821234567)") }
        return n
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send the number a one-time code by SMS; with --code, check the code the requester read back (valid for the municipal day).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The phone number.") var number: String
        @Option(help: "The code the requester read back.") var code: String?

        func run() async throws {
            let c = try common.configuration()
            let wiring = try await Wiring.make(c, logger: quietLogger())
            let n = try Subject.number(number)
            let expected = SubjectCode(pseudonyms: wiring.pseudonyms, calendar: c.calendar).code(for: n, at: wiring.clock.now())
            if let code {
                let ok = code.filter(\.isNumber) == expected
                try await wiring.staff.audit(actor: "cli:subject", action: ok ? .subjectVerified : .subjectVerificationFailed, reference: nil,
                                             detail: wiring.pseudonyms.of(n.e164), address: nil, at: wiring.clock.now())
                guard ok else { throw ValidationError("the code does not match: send a new one and try again") }
                print("Verified: the requester holds \(n.masked).")
                return
            }
            let language = try await wiring.stores.conversations.read { try $0.language(of: n) } ?? wiring.gateway.engine.locales.fallback
            let template = wiring.gateway.engine.locales.locale(language).strings["sms.verify_code"] ?? "Your code is {code}."
            var hop = HopWrite(session: nil, at: wiring.clock.now())
            // Sent even to a number that sent STOP: the requester asked for it.
            hop.messages = [OutboundSMS(to: n, body: SMSMeasure.cheapest(Template.fill(template, ["code": expected])), evenIfOptedOut: true)]
            _ = try await wiring.stores.conversations.write(hop)
            try await wiring.staff.audit(actor: "cli:subject", action: .subjectCodeSent, reference: nil, detail: wiring.pseudonyms.of(n.e164),
                                         address: nil, at: wiring.clock.now())
            print("A code is on its way to \(n.masked) by SMS. Ask the requester to read it back, then: civicgate subject verify \(number) --code <code>")
        }
    }

    struct ExportData: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Print, as JSON, everything held about the number.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The phone number.") var number: String

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger())
            let n = try Subject.number(number)
            let subjects = wiring.stores.retention
            let data = try await subjects.subjectData(n)
            try await wiring.staff.audit(actor: "cli:subject", action: .subjectExported, reference: nil, detail: wiring.pseudonyms.of(n.e164),
                                         address: nil, at: wiring.clock.now())
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(data), as: UTF8.self))
        }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase the number the way purge does: its pseudonym everywhere, its words dropped; its STOP and language kept under the pseudonym.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The phone number.") var number: String

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger())
            let n = try Subject.number(number)
            let subjects = wiring.stores.retention
            let changed = try await subjects.erase(n, pseudonym: wiring.pseudonyms.of(n.e164), actor: "cli:subject", at: wiring.clock.now())
            print("Erased \(n.masked): \(changed) rows changed. Nothing holds the number in clear any more.")
        }
    }
}

/// A one-time code for a data-subject request: six digits from an HMAC of the number and the
/// municipal day, so nothing is stored and a code lasts the day it was sent.
struct SubjectCode {
    let pseudonyms: Pseudonyms
    let calendar: MunicipalCalendar

    func code(for number: MSISDN, at now: Date) -> String {
        let digest = pseudonyms.of("verify:\(calendar.day(now)):\(number.e164)")
        let value = UInt64(digest.dropFirst(2).prefix(12), radix: 16) ?? 0
        return String(format: "%06d", value % 1_000_000)
    }
}
