import ArgumentParser
import Foundation
import FlowDefinitions

/// Flags shared by the commands; each overrides its environment variable.
struct CommonOptions: ParsableArguments {
    @Option(help: "SQLite database file (CIVICGATE_DATABASE, default ./civicgate.sqlite).")
    var database: String?
    @Option(help: "Menus folder (CIVICGATE_MENUS, default ./menus).")
    var menus: String?
    @Option(help: "Locales folder (CIVICGATE_LOCALES, default ./locales).")
    var locales: String?

    func configuration() throws -> GatewayConfiguration {
        var c: GatewayConfiguration
        do { c = try GatewayConfiguration.fromEnvironment() } catch { throw ValidationError(error.description) }
        if let database { c.database = database }
        if let menus { c.menus = menus }
        if let locales { c.locales = locales }
        return c
    }
}

/// Loads and checks menus and locales, or stops with every problem named by file and place.
func loadDefinitions(_ c: GatewayConfiguration) throws -> Definitions {
    do {
        return try Definitions.load(menus: c.menus, locales: c.locales)
    } catch {
        FileHandle.standardError.write(Data("civicgate: the menus or locales are not usable:\n\(error.description)\n".utf8))
        throw ExitCode(2)
    }
}
