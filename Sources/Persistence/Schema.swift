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

/// The migrations written once for both stores, after each store's shipped list (SQLite v1-v17,
/// PostgreSQL pg1-pg12), in order. Each store records them under the same identifiers.
public enum Schema {
    public static let migrations: [Migration] = [
        // Urgent tickets come first in a queue within their status; set at creation from the catalogue.
        Migration("v18 ticket priority", [
            "ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'urgent'))",
        ]),
    ]
}
