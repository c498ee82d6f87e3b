/// A schema change, run once per database and never edited once shipped (add another instead).
/// Most are one SQL text for both stores; `postgres` differs only where the types do.
public struct Migration: Sendable {
    public var id: String
    public var sqlite: [String]
    public var postgres: [String]

    public init(_ id: String, sqlite: [String], postgres: [String]) { (self.id, self.sqlite, self.postgres) = (id, sqlite, postgres) }

    /// The same statements on both.
    public init(_ id: String, _ statements: [String]) { self.init(id, sqlite: statements, postgres: statements) }

    public func statements(for dialect: SQLDialect) -> [String] { dialect == .sqlite ? sqlite : postgres }
}

/// The schema's one list of migrations: each store's shipped list (SQLite v1-v17, PostgreSQL
/// pg1-pg12, `ShippedMigrations`), then those written once for both, in order. Each store runs
/// its dialect's list and records each under its identifier.
public enum Schema {
    public static func migrations(for dialect: SQLDialect) -> [(id: String, statements: [String])] {
        let shipped = dialect == .sqlite ? ShippedMigrations.sqlite : ShippedMigrations.postgres
        return (shipped + migrations).map { ($0.id, $0.statements(for: dialect)) }
    }

    /// Written once for both stores.
    public static let migrations: [Migration] = [
        // Urgent tickets come first in a queue within their status; set at creation from the catalogue.
        Migration("v18 ticket priority", [
            "ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'urgent'))",
        ]),
    ]
}
