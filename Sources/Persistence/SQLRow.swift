import Domain
import Foundation

/// A row as a statement returned it, read by column name. Each adapter wraps its driver's row;
/// statements decode records from it, so no code above the adapters reads a column by position.
public protocol SQLRow {
    func text(_ column: String) throws -> String?
    func integer(_ column: String) throws -> Int64?
    func real(_ column: String) throws -> Double?
    func date(_ column: String) throws -> Date?
    func bool(_ column: String) throws -> Bool?
}

/// A column missing from a row, or NULL where a value must be: a statement and its decoder disagree.
public struct SQLRowError: Error, CustomStringConvertible {
    public var column: String
    public var problem: String

    public init(column: String, problem: String) { (self.column, self.problem) = (column, problem) }

    public var description: String { "column \(column): \(problem)" }
}

extension SQLRow {
    /// A column that must hold a value.
    func required<T>(_ column: String, _ read: (String) throws -> T?) throws -> T {
        guard let v = try read(column) else { throw SQLRowError(column: column, problem: "NULL") }
        return v
    }

    public func text(required column: String) throws -> String { try required(column, text) }
    public func integer(required column: String) throws -> Int64 { try required(column, integer) }
    public func int(_ column: String) throws -> Int { Int(try integer(required: column)) }

    public func date(required column: String) throws -> Date { try required(column, date) }
    public func bool(required column: String) throws -> Bool { try required(column, bool) }

    /// A text column holding one of an enum's raw values.
    public func value<T: RawRepresentable>(_ column: String, as: T.Type) throws -> T where T.RawValue == String {
        let raw = try text(required: column)
        guard let v = T(rawValue: raw) else { throw SQLRowError(column: column, problem: "unknown value \(raw)") }
        return v
    }

    public func value<T: RawRepresentable>(optional column: String, as: T.Type) throws -> T? where T.RawValue == String {
        guard let raw = try text(column) else { return nil }
        guard let v = T(rawValue: raw) else { throw SQLRowError(column: column, problem: "unknown value \(raw)") }
        return v
    }

    public func reference(_ column: String) throws -> Reference {
        let digits = try text(required: column)
        guard let r = try? Reference(parsing: digits) else { throw SQLRowError(column: column, problem: "not a reference") }
        return r
    }

    public func reference(optional column: String) throws -> Reference? {
        try text(column).flatMap { try? Reference(parsing: $0) }
    }
}
