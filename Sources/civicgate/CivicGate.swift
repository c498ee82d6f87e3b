import ArgumentParser

@main
struct CivicGate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "civicgate",
        abstract: "Citizen service requests over USSD and SMS.",
        subcommands: [Serve.self, Simulate.self, Menus.self, Org.self, Import.self, User.self, Token.self, BackupCommand.self, CopyDatabase.self, Export.self, PurgeCommand.self, Subject.self, CrewCommand.self, WebhookCommand.self, OpenAPICommand.self, Doctor.self, Migrate.self],
        defaultSubcommand: nil)
}

struct Menus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Work with the menus and locales.", subcommands: [MenusCheck.self])
}
