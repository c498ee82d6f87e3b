import ArgumentParser
import Foundation
import Web

/// `civicgate openapi`: the OpenAPI 3.1 document `/api/v1/openapi.json` serves (and `docs/openapi.json` keeps).
struct OpenAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "openapi", abstract: "Print the OpenAPI 3.1 document of the MOE API, bulk API and webhooks.")

    func run() async throws {
        FileHandle.standardOutput.write(Data(OpenAPIDocument.json))
    }
}
