import Domain
import Foundation
import FlowEngine
import Gateway
import Persistence
import PostgresNIO

/// A shared statement (`Persistence.SQL`, written once for both stores) that a hop runs so often
/// that PostgreSQL should plan it once per connection: a prepared statement whose text is the
/// shared statement's for a sample with every value given. Every value is bound, so each hop's
/// statement of the same shape has that same text; one that does not (another shape) runs as it
/// is. The parameters' types come from the sample too, so a hop whose value is NULL where the
/// sample's was not still binds to the statement as it was prepared.
protocol PreparedShape {
    static var name: String { get }
    /// The sample's text and its parameters' types (`rendered(_:)`), computed once.
    static var shape: (text: String, types: [PostgresDataType]) { get }
}

extension PreparedShape {
    static func rendered(_ sample: SQL) -> (text: String, types: [PostgresDataType]) {
        let types: [PostgresDataType] = sample.binds.map { value in
            switch value {
            case .integer: .int8
            case .real: .float8
            case .text: .text
            case .bool: .bool
            case .date: .timestamptz
            case .null: preconditionFailure("a prepared shape's sample gives every value")
            }
        }
        return (PostgresStatements.query(sample).sql, types)
    }
}

/// `Shape`'s statement with one hop's values.
struct Prepared<Shape: PreparedShape>: PostgresPreparedStatement {
    static var name: String { Shape.name }
    static var sql: String { Shape.shape.text }
    static var bindingDataTypes: [PostgresDataType] { Shape.shape.types }
    typealias Row = PostgresSQLRow
    let query: PostgresQuery

    /// nil when `statement` is not of `Shape`'s shape.
    init?(_ statement: SQL) {
        query = PostgresStatements.query(statement)
        guard query.sql == Shape.shape.text else { return nil }
    }

    func makeBindings() throws -> PostgresBindings { query.binds }
    func decodeRow(_ row: PostgresRow) throws -> Row { PostgresSQLRow(row: row.makeRandomAccess()) }
}

extension Prepared {
    /// The rows of `statement`, prepared when it is of `Shape`'s shape.
    static func rows(_ statement: SQL, _ connection: PostgresConnection, logger: Logger) async throws -> [any SQLRow] {
        guard let prepared = Prepared(statement) else { return try await PostgresStatements.fetch(connection, statement, logger: logger) }
        var out: [any SQLRow] = []
        for try await row in try await connection.execute(prepared, logger: logger) { out.append(row) }
        return out
    }
}

/// The open tickets a confirmation may offer to join (`ReportStatements.offers`), for a report by
/// street number within an area. Planned at every confirmation it cost PostgreSQL about 440 µs
/// of planning to run in 15.
enum OffersShape: PreparedShape {
    static let name = "cg_offers"
    static let shape = rendered(ReportStatements.offers(service: "water", area: "ward 1", since: PreparedSamples.at, digits: "1",
                                                        notReportedBy: PreparedSamples.caller, limit: 1))
}

/// A confirmation's ticket, history, SMS and daily count (`TicketStatements.insertCreated`) for a
/// reporter under the daily cap: about 400 µs of planning at every confirmation, 55 µs a hop.
enum ConfirmationShape: PreparedShape {
    static let name = "cg_confirmation"
    static let shape = rendered(TicketStatements.insertCreated(PreparedSamples.ticket, cap: ReportLimit(msisdn: PreparedSamples.caller, limit: 1,
                                                                                                         since: PreparedSamples.at)))
}

/// A whole USSD confirmation in one statement (`TicketStatements.confirmation`): the session's
/// move, the count under the number's lock, the ticket, its history and its SMS.
enum OneStatementConfirmationShape: PreparedShape {
    static let name = "cg_one_statement_confirmation"
    static let shape = rendered(TicketStatements.confirmation(PreparedSamples.ticket, cap: ReportLimit(msisdn: PreparedSamples.caller, limit: 1,
                                                                                                       since: PreparedSamples.at),
                                                              moveIf: { HopStatements.move(PreparedSamples.session, if: $0) },
                                                              lockKey: PostgresConversationStore.reportsLock))
}

/// The values the shapes are rendered with: every optional one given.
enum PreparedSamples {
    static let at = Date(timeIntervalSince1970: 0)
    static let caller = MSISDN("+27820000000")!
    static let session = StoredSession(key: "-", msisdn: caller, serviceCode: "*1#", session: Session(language: "en"), lastText: "-",
                                       lastReply: UssdReply(text: "-", isFinal: false), resumable: false, version: 2, createdAt: at, updatedAt: at)
    static var ticket: NewTicket {
        var draft = TicketDraft(reference: .unfiled, service: "water", fault: "leak", area: "ward 1", address: "1 Main Rd", description: "-",
                                channel: .ussd, reporter: caller, language: "en")
        draft.location = GeoPoint(lat: 0, long: 0)
        return NewTicket(draft: draft, destination: Destination(moe: "water", queue: "faults"), createdAt: at, confirmation: "-", dueAt: at,
                         acknowledgeDueAt: at)
    }
}
