import Domain
import Foundation
import Gateway

/// Reads, a decision on what they found, and the writes it asks for. An adapter runs it in one
/// transaction: the reads in order (each sees the writes of none, the locks of those before), then
/// `decide` on their rows, then its writes. Written once here; SQLite runs it on its one writer,
/// PostgreSQL with the rows it read locked.
public struct SQLExchange<Result: Sendable>: Sendable {
    public var reads: [SQL]
    /// The writes, then a flow run after them in the same transaction (what reads them back, as a
    /// webhook's capture does), and the result.
    let decideThen: @Sendable ([[any SQLRow]]) throws -> (writes: [SQL], then: SQLFlow<Void>, result: Result)

    public init(reads: [SQL], decide: @escaping @Sendable ([[any SQLRow]]) throws -> (writes: [SQL], result: Result)) {
        self.reads = reads
        decideThen = { rows in
            let (writes, result) = try decide(rows)
            return (writes, .done(()), result)
        }
    }

    public init(reads: [SQL], decideThen: @escaping @Sendable ([[any SQLRow]]) throws -> (writes: [SQL], then: SQLFlow<Void>, result: Result)) {
        (self.reads, self.decideThen) = (reads, decideThen)
    }
}

/// Statements run a step at a time in one transaction, each step's rows (a write's are those of
/// its `RETURNING`, or none) deciding the next: a use case's whole unit of work, written once.
public indirect enum SQLFlow<Result: Sendable>: Sendable {
    case done(Result)
    case step([SQL], @Sendable ([[any SQLRow]]) throws -> SQLFlow<Result>)

    /// `statements`, then `next` on their rows.
    public static func run(_ statements: [SQL], then next: @escaping @Sendable ([[any SQLRow]]) throws -> SQLFlow<Result>) -> SQLFlow {
        .step(statements, next)
    }

    /// One statement, then `next` on its rows.
    public static func run(_ statement: SQL, then next: @escaping @Sendable ([any SQLRow]) throws -> SQLFlow<Result>) -> SQLFlow {
        .step([statement]) { try next($0[0]) }
    }

    /// `statements` (writes), then the result.
    public static func write(_ statements: [SQL], _ result: Result) -> SQLFlow {
        statements.isEmpty ? .done(result) : .step(statements) { _ in .done(result) }
    }
}

extension SQLFlow {
    /// Each flow after the one before, in one transaction.
    public static func sequence(_ flows: [SQLFlow<Void>]) -> SQLFlow<Void> where Result == Void {
        flows.reduce(SQLFlow<Void>.done(())) { all, next in all.then { next } }
    }

    /// This flow, then `next` with its result, in the same transaction.
    public func then<Next: Sendable>(_ next: @escaping @Sendable (Result) throws -> SQLFlow<Next>) -> SQLFlow<Next> {
        switch self {
        case .done(let result): .step([]) { _ in try next(result) }
        case .step(let statements, let after): .step(statements) { rows in try after(rows).then(next) }
        }
    }
}

extension SQLExchange {
    /// The exchange as a flow: its reads, its decision, its writes.
    public var flow: SQLFlow<Result> {
        .step(reads) { [decideThen] rows in
            let (writes, then, result) = try decideThen(rows)
            if case .done = then { return .write(writes, result) }
            return SQLFlow<Void>.write(writes, ()).then { then }.then { .done(result) }
        }
    }
}

/// What an adapter gives the shared statements: reads outside a transaction, flows in one.
public protocol SQLDatabase: Sendable {
    func read<T: Sendable>(_ sql: SQL, _ decode: @escaping @Sendable (any SQLRow) throws -> T) async throws -> [T]
    /// In one write transaction.
    func run<R: Sendable>(_ flow: SQLFlow<R>) async throws -> R
    /// In one read transaction (one snapshot on SQLite); a flow that tries to write fails.
    func look<R: Sendable>(_ flow: SQLFlow<R>) async throws -> R
    /// Writes in one transaction (`run`); an adapter may send a lone statement on its own, which is
    /// as atomic and, on PostgreSQL, one round trip instead of three.
    func write(_ statements: [SQL]) async throws
}

extension SQLDatabase {
    /// The reporters of ticket `id` and of its duplicates, one per number (the ticket's page counts them).
    public func reporters(ofTicket id: Int64) async throws -> [TicketReporter] {
        TicketStatements.onePerNumber(try await read(TicketStatements.reporters(of: "SELECT \(id)"), TicketStatements.reporter))
    }

    /// Rows of `table` by their `status`, read as `State`.
    public func counts<State: RawRepresentable & Hashable & Sendable>(of table: String, as: State.Type) async throws -> [State: Int]
        where State.RawValue == String {
        var out: [State: Int] = [:]
        for (state, n) in try await read("SELECT status, COUNT(*) AS n FROM \(raw: table) GROUP BY status", {
            (try $0.value("status", as: State.self), try $0.int("n"))
        }) { out[state] = n }
        return out
    }

    public func write(_ statements: [SQL]) async throws {
        try await run(SQLFlow.write(statements, ()))
    }

    public func run<R: Sendable>(_ exchange: SQLExchange<R>) async throws -> R { try await run(exchange.flow) }
    public func look<R: Sendable>(_ exchange: SQLExchange<R>) async throws -> R { try await look(exchange.flow) }
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
