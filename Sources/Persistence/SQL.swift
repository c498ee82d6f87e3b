import Foundation

/// The two SQL dialects CivicGate speaks. A statement is written once; only its placeholders
/// (`?` or `$n`) and a few marked fragments differ when it is rendered.
public enum SQLDialect: Sendable {
    case sqlite, postgres
}

/// A value bound to a statement. Each adapter hands it to its driver in the driver's own type.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case bool(Bool)
    case date(Date)
}

/// Something that can be bound as a `SQLValue`.
public protocol SQLBindable {
    var sqlValue: SQLValue { get }
}

extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .bool(self) } }
extension Date: SQLBindable { public var sqlValue: SQLValue { .date(self) } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}
extension RawRepresentable where RawValue == String, Self: SQLBindable {
    public var sqlValue: SQLValue { .text(rawValue) }
}

/// One statement, written once with its values interpolated:
/// `"UPDATE tickets SET status = \(status) WHERE id = \(id)"` binds both values and renders
/// `?` for SQLite and `$1`, `$2` for PostgreSQL. Text that is part of the statement itself (a
/// column list, an ORDER BY chosen from an enum) goes in with `\(raw:)`; never a caller's value.
public struct SQL: Sendable, Equatable, ExpressibleByStringInterpolation {
    enum Part: Sendable, Equatable {
        case text(String)
        case bind
        /// Text that differs by dialect.
        case dialect(sqlite: String, postgres: String)
    }

    var parts: [Part] = []
    public private(set) var binds: [SQLValue] = []

    public init(stringLiteral value: String) { parts = [.text(value)] }

    public init(stringInterpolation: StringInterpolation) {
        parts = stringInterpolation.parts
        binds = stringInterpolation.binds
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []
        var binds: [SQLValue] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) { parts.append(.text(literal)) }

        public mutating func appendInterpolation<T: SQLBindable>(_ value: T) {
            parts.append(.bind)
            binds.append(value.sqlValue)
        }

        /// `(?, ?, ?)` for a list (at least one value; an empty list renders `(NULL)`, which matches nothing).
        public mutating func appendInterpolation<T: SQLBindable>(list: [T]) {
            guard !list.isEmpty else { return parts.append(.text("(NULL)")) }
            parts.append(.text("("))
            for (i, value) in list.enumerated() {
                if i > 0 { parts.append(.text(", ")) }
                appendInterpolation(value)
            }
            parts.append(.text(")"))
        }

        /// Fragments one after another, `separator` between them: the rows of a `VALUES` list.
        public mutating func appendInterpolation(joined fragments: [SQL], separator: String = ", ") {
            for (i, fragment) in fragments.enumerated() {
                if i > 0 { parts.append(.text(separator)) }
                appendInterpolation(fragment)
            }
        }

        /// Part of the statement: a column list, a table, an order chosen from an enum.
        public mutating func appendInterpolation(raw text: String) { parts.append(.text(text)) }

        /// Another statement's text and values, in place.
        public mutating func appendInterpolation(_ sql: SQL) {
            parts += sql.parts
            binds += sql.binds
        }

        /// Text only one dialect has (`FOR UPDATE`, a cast).
        public mutating func appendInterpolation(sqlite: String, postgres: String) {
            parts.append(.dialect(sqlite: sqlite, postgres: postgres))
        }
    }

    public static func + (a: SQL, b: SQL) -> SQL {
        var out = a
        out.parts += b.parts
        out.binds += b.binds
        return out
    }

    /// The text for a driver, with its placeholders numbered in order.
    public func text(for dialect: SQLDialect) -> String {
        var out = ""
        var n = 0
        for part in parts {
            switch part {
            case .text(let t): out += t
            case .bind:
                n += 1
                out += dialect == .sqlite ? "?" : "$\(n)"
            case .dialect(let sqlite, let postgres): out += dialect == .sqlite ? sqlite : postgres
            }
        }
        return out
    }
}

extension SQL {
    /// Rows locked until the transaction ends (PostgreSQL; SQLite has one writer at a time).
    public static func forUpdate(of table: String) -> SQL { "\(sqlite: "", postgres: " FOR UPDATE OF \(table)")" }

    /// `column = value`, or every row when `value` is nil (an administrator's unscoped view).
    public static func scoped(_ column: String, to value: String?) -> SQL {
        guard let value else { return "TRUE" }
        return "\(raw: column) = \(value)"
    }
}
