import Domain
import FlowEngine
import Foundation
import Gateway
import Store
import TestSupport

/// Replays a scenario (a list of dials and answers) through the real gateway and database and
/// writes down every screen, as a golden transcript.
struct TranscriptRunner {
    struct Step: Hashable {
        var before: StateID
        var input: String
        var after: StateID
    }

    let scenario: String
    let lines: [String]
    let languageIndex: Int
    let language: String

    static let scenarioFolder = repositoryRoot.appendingPathComponent("Tests/GatewayTests/Scenarios")
    static let transcriptFolder = repositoryRoot.appendingPathComponent("Tests/GatewayTests/Transcripts")

    static func scenarios() throws -> [(name: String, lines: [String])] {
        try FileManager.default.contentsOfDirectory(atPath: scenarioFolder.path).filter { $0.hasSuffix(".txt") }.sorted().map { name in
            let text = try String(contentsOf: scenarioFolder.appendingPathComponent(name), encoding: .utf8)
            return (String(name.dropLast(4)), text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        }
    }

    func run() async throws -> (transcript: String, steps: [Step]) {
        let world = try TestGateway(seed: 7)
        let store = SQLiteConversationStore(world.database)
        let phone = Phone("+27821110001", gateway: world.gateway)
        var out: [String] = []
        var steps: [Step] = []
        var seed: Reference?
        var unknown: Reference?
        var mine: Reference?
        let residents = (0..<3).map { MSISDN("+2782999010\($0)")! }

        func currentState() async throws -> StateID {
            let key = phone.event.sessionKey
            return try await store.transaction { tx in try tx.session(key: key)?.session.state ?? "-" }
        }
        func show(_ reply: UssdReply) {
            out.append((reply.isFinal ? "END " : "CON ") + reply.text)
        }
        var shownSMS = 0
        var reported: [Reference] = []
        func createTicket(for caller: MSISDN?, service: String, fault: String, address: String = "1 Test St") async throws -> Reference {
            let draft = TicketDraft(reference: world.references.next(), service: service, fault: fault, area: "soweto",
                                    address: address, channel: .ussd, reporter: caller, language: language)
            let destination = world.gateway.engine.catalogue.routing.route(service: service, area: "soweto")
            let now = world.clock.now()
            let due = world.gateway.engine.serviceLevels.targets(service: service, fault: fault, moe: destination.moe, from: now)
            try await store.transaction { tx in
                try tx.create(NewTicket(draft: draft, destination: destination, createdAt: now, confirmation: nil, dueAt: due.resolve,
                                        acknowledgeDueAt: due.acknowledge))
            }
            return draft.reference
        }

        for raw in lines {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                out.append(line + (out.isEmpty ? " [\(language)]" : ""))
                continue
            }
            let words = line.split(separator: " ").map(String.init)
            switch words[0] {
            case "caller":
                if words.count > 1, words[1] == "returning" {
                    let code = language, caller = phone.caller, now = world.clock.now()
                    try await store.transaction { tx in try tx.setLanguage(code, for: caller, at: now) }
                }
            case "seed":
                let r = try await createTicket(for: MSISDN("+27829990000"), service: "water", fault: "leak")
                try await world.update(r, to: .inProgress, publicUpdate: "Crew on site, valve being replaced",
                                       expectedAt: world.clock.now().addingTimeInterval(2 * 86400))
                seed = r
                unknown = world.references.next()
            case "mine":
                _ = try await createTicket(for: phone.caller, service: "water", fault: "burst_pipe")
                world.clock.advance(60)
                _ = try await createTicket(for: phone.caller, service: "roads", fault: "pothole")
                out.append("== (two earlier reports from this number)")
            case "late":
                mine = try await createTicket(for: phone.caller, service: "water", fault: "leak")
                world.clock.advance(49 * 3600)
                out.append("== (a leak reported from this number 49 hours ago, past its 48-hour target)")
            case "resolved":
                let r = try await createTicket(for: phone.caller, service: "water", fault: "leak")
                try await world.update(r, to: .resolved, publicUpdate: "Leak repaired")
                world.clock.advance(3700)
                _ = try await SurveyJob(store: world.staff, engine: world.gateway.engine, clock: world.clock, delay: 3600).run()
                mine = r
                out.append("== (a leak reported from this number, resolved an hour ago and its survey sent)")
            case "merged":
                let master = try await createTicket(for: MSISDN("+27829990001"), service: "water", fault: "leak")
                let r = try await createTicket(for: phone.caller, service: "water", fault: "leak")
                _ = try await world.staff.perform(.duplicate(of: master), on: r, scope: "water", actor: "test", at: world.clock.now(),
                                                  notice: world.gateway.engine.noticeWording)
                mine = r
                out.append("== (a leak reported from this number, merged by a dispatcher into an earlier report of the same fault)")
                for sms in try await world.tickets.outbox(for: phone.caller) { out.append("== SMS: " + sms.body) }
            case "incident":
                let now = world.clock.now()
                _ = try await world.staff.declare(IncidentDraft(service: "water", areas: ["soweto"], description: "Main burst in Soweto",
                                                                expectedAt: now.addingTimeInterval(6 * 3600)),
                                                  moe: "water", actor: "test", address: nil, at: now)
                out.append("== (a burst main in Soweto is known, expected to be fixed in 6 hours)")
            case "crew":
                // This number is a member of a crew of water with three open jobs, each reported by a resident.
                let desk = CrewDesk(roster: world.staff, ledger: world.staff, engine: world.gateway.engine, clock: world.clock)
                _ = try await desk.add(name: "Pipe Team A", moe: "water", phones: [phone.caller.e164], language: language, actor: "test").get()
                for (resident, fault) in zip(residents, ["burst_pipe", "leak", "meter"]) {
                    let r = try await createTicket(for: resident, service: "water", fault: fault)
                    world.clock.advance(60)
                    _ = try await desk.assign(r, to: "Pipe Team A", scope: "water", actor: "test", address: nil)
                }
                out.append("== (this number is in crew Pipe Team A of water, which has three open jobs)")
                for sms in try await world.tickets.outbox(for: phone.caller) { out.append("== SMS: " + sms.body) }
            case "reported":
                // Two residents reported the same burst pipe, spelled their own way: three hours and one hour ago.
                reported.append(try await createTicket(for: residents[0], service: "water", fault: "burst_pipe", address: "12 Vilakazi Street, Orlando West"))
                world.clock.advance(2 * 3600)
                reported.append(try await createTicket(for: residents[1], service: "water", fault: "leak", address: "12 vilakazi st."))
                try await world.update(reported[0], to: .inProgress, publicUpdate: nil, expectedAt: nil)
                world.clock.advance(3600)
                out.append("== (a burst pipe at 12 Vilakazi Street reported 3 hours ago, in progress; a leak at 12 vilakazi st. 1 hour ago)")
            case "update":
                try await world.update(reported[0], to: .inProgress, publicUpdate: "Crew on site, valve being replaced", expectedAt: nil)
                out.append("== (the burst pipe's dispatcher writes a public update)")
            case "sms":
                let all = try await world.tickets.outbox(for: phone.caller)
                for sms in all.dropFirst(shownSMS) { out.append("== SMS: " + sms.body) }
                shownSMS = all.count
            case "residents":
                for (i, resident) in residents.enumerated() {
                    for sms in try await world.tickets.outbox(for: resident) { out.append("== SMS to resident \(i + 1): " + sms.body) }
                }
            case "dial":
                out.append("== dial")
                show(await phone.dial())
                steps.append(Step(before: "(dial)", input: "", after: try await currentState()))
            case "hangup":
                out.append("== hang up")
            case "wait":
                let minutes = Double(words[1]) ?? 0
                world.clock.advance(minutes * 60)
                out.append("== \(words[1]) minutes later")
            default:
                var input = line
                input = input.replacingOccurrences(of: "@lang", with: String(languageIndex))
                if let seed {
                    var digits = Array(seed.digits)
                    digits[4] = digits[4] == "9" ? "0" : Character(String(Int(String(digits[4]))! + 1))
                    input = input.replacingOccurrences(of: "@seed-typo", with: String(digits))
                    input = input.replacingOccurrences(of: "@seed", with: seed.grouped)
                }
                if let unknown { input = input.replacingOccurrences(of: "@unknown", with: unknown.digits) }
                if let mine { input = input.replacingOccurrences(of: "@mine", with: mine.digits) }
                let before = try await currentState()
                out.append("> " + input)
                show(await phone.send(input))
                steps.append(Step(before: before, input: input, after: try await currentState()))
            }
        }
        return (out.joined(separator: "\n") + "\n", steps)
    }
}
