import PostgresNIO

/// SQL put together from parts, with every value bound as a parameter (`$1`, `$2`, ...): for
/// queries whose filters depend on the request (worklists, listings).
struct SQLText {
    var sql: String
    var binds = PostgresBindings()

    init(_ sql: String) { self.sql = sql }

    /// The placeholder of `value`, bound.
    mutating func bind(_ value: some PostgresEncodable & Sendable) throws -> String {
        try binds.append(value)
        return "$\(binds.count)"
    }

    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}
