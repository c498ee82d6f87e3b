import Domain
import FlowDefinitions
import Foundation
import Gateway
import Logging
import Store

/// Builds the USSD gateway from configuration: definitions, database, clock and references.
struct Wiring {
    let definitions: Definitions
    let database: AppDatabase
    let gateway: UssdGateway

    init(_ c: GatewayConfiguration, logger: Logger) throws {
        definitions = try loadDefinitions(c)
        database = try AppDatabase.open(path: c.database)
        gateway = UssdGateway(
            engine: definitions.engine(), store: SQLiteUssdStore(database), clock: SystemClock(),
            references: {
                var generator = SystemRandomNumberGenerator()
                return Reference.random(using: &generator)
            },
            settings: .init(resumeWindow: c.resumeMinutes * 60), logger: logger)
    }
}
