/// One thing wrong with `menus/` or `locales/`, naming the file and the place in it.
public struct DefinitionProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// `line:column` when known.
    public var line: Int?
    public var column: Int?
    /// The state, option, key or locale concerned.
    public var place: String
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, place: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.place = place
        self.message = message
    }

    public var description: String {
        var where_ = file
        if let line { where_ += ":\(line)" + (column.map { ":\($0)" } ?? "") }
        return place.isEmpty ? "\(where_): \(message)" : "\(where_): \(place): \(message)"
    }
}

/// The definitions could not be used; every problem found is listed.
public struct DefinitionError: Error, Sendable, CustomStringConvertible {
    public var problems: [DefinitionProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
