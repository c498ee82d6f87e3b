import ArgumentParser
import Domain
import Foundation
import Gateway
import SMS

/// `civicgate webhook add|list|remove`: where an MOE's system is told of its tickets and
/// incidents, signed as the Standard Webhooks specification says (docs/webhooks.md).
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "webhook", abstract: "Manage MOEs' webhook subscriptions (signed event delivery).",
                                                    subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Subscribe an MOE's system; prints the signing secret once.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The MOE whose events it receives (menus/catalogue.yaml).") var moe: String
        @Option(help: "The receiver's https URL.") var url: String
        @Option(help: "Comma-separated events (default: all): \(WebhookEventType.allCases.map(\.rawValue).joined(separator: ","))") var events: String?

        func run() async throws {
            let c = try common.configuration()
            let wiring = try await Wiring.make(c, logger: quietLogger(), usesKey: false)
            let desk = WebhookDesk(store: wiring.staff, policy: c.webhookTargets, resolver: SystemResolver(), catalogue: wiring.definitions.catalogue,
                                   clock: wiring.clock)
            switch try await desk.add(moe: moe, url: url, events: events) {
            case .success(let added):
                print("Added webhook \(added.id) for \(added.moe): \(added.url) (\(added.events.map(\.rawValue).joined(separator: ",")))")
                print("Signing secret (shown once; verify webhook-signature with it):")
                print(added.secret.description)
            case .failure(let problem): throw ValidationError(problem.description)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscriptions with their deliveries waiting, delivered and failed.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Only this MOE's subscriptions.") var moe: String?

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            let list = try await wiring.staff.webhooks(moe: moe)
            if list.isEmpty { print("No webhooks yet: civicgate webhook add --moe <moe> --url https://…") }
            for s in list {
                let state = s.disabledAt != nil ? "disabled" : s.failingSince != nil ? "failing" : "active"
                print("\(s.id)\t\(s.moe)\t\(s.url)\t\(s.events.map(\.rawValue).joined(separator: ","))\t\(state)\t\(s.pending) waiting\t\(s.delivered) delivered\t\(s.failed) failed")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a subscription and its undelivered messages.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The subscription's id (webhook list).") var id: Int64

        func run() async throws {
            let wiring = try await Wiring.make(try common.configuration(), logger: quietLogger(), usesKey: false)
            guard id > 0, try await wiring.staff.removeWebhook(id, moe: nil) else { throw ValidationError("no webhook \(id)") }
            print("Removed webhook \(id).")
        }
    }
}
