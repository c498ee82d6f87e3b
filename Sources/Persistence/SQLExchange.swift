import Domain
import Foundation
import Gateway

/// Reads, a decision on what they found, and the writes it asks for. An adapter runs it in one
/// transaction: the reads in order (each sees the writes of none, the locks of those before), then
/// `decide` on their rows, then its writes. Written once here; SQLite runs it on its one writer,
/// PostgreSQL with the rows it read locked.
public struct SQLExchange<Result: Sendable>: Sendable {
    public var reads: [SQL]
    public var decide: @Sendable ([[any SQLRow]]) throws -> (writes: [SQL], result: Result)

    public init(reads: [SQL], decide: @escaping @Sendable ([[any SQLRow]]) throws -> (writes: [SQL], result: Result)) {
        (self.reads, self.decide) = (reads, decide)
    }
}

/// What an adapter gives the shared statements: reads outside a transaction, and exchanges in one.
public protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }
    func read<T: Sendable>(_ sql: SQL, _ decode: @escaping @Sendable (any SQLRow) throws -> T) async throws -> [T]
    func run<R: Sendable>(_ exchange: SQLExchange<R>) async throws -> R
    /// An exchange of reads only, in one read transaction (one snapshot on SQLite); it may not write.
    func look<R: Sendable>(_ exchange: SQLExchange<R>) async throws -> R
}

extension SQLDatabase {
    /// The reporters of ticket `id` and of its duplicates, one per number (the ticket's page counts them).
    public func reporters(ofTicket id: Int64) async throws -> [TicketReporter] {
        TicketStatements.onePerNumber(try await read(TicketStatements.reporters(of: "SELECT \(id)"), TicketStatements.reporter))
    }

    public func write(_ statements: [SQL]) async throws {
        try await run(SQLExchange(reads: []) { _ in (statements, ()) })
    }
}

/// A store whose ports are (in part) the shared statements: each port implemented here is
/// written once, for both stores, as an extension on `SQLBacked`.
public protocol SQLBacked: Sendable {
    var statements: any SQLDatabase { get }
}

extension TicketLedger where Self: SQLBacked {
    public func change<R: Sendable>(_ reference: Reference, scope: String?, master: Reference?, triageMOE: String,
                                    _ plan: @escaping @Sendable (TicketSnapshot) -> (work: [TicketWork], result: R)) async throws -> R? {
        try await statements.run(TicketStatements.change(reference, scope: scope, master: master, triageMOE: triageMOE, plan))
    }
}

extension EscalationStore where Self: SQLBacked {
    public func pastTarget(now: Date, limit: Int) async throws -> [TicketState] {
        try await statements.read(TicketStatements.pastTarget(now: now, limit: limit)) { try TicketStatements.record($0).state }
    }
}
