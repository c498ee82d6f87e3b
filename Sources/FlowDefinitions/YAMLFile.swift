import Foundation
import Yams

/// A YAML file being read, collecting problems with their line numbers instead of stopping at
/// the first.
final class YAMLFile {
    let path: String
    let root: Node?
    private(set) var problems: [DefinitionProblem] = []

    init(path: String, displayName: String) {
        self.path = displayName
        var root: Node?
        var failure: DefinitionProblem?
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            root = try Yams.compose(yaml: text)
            if root == nil { failure = DefinitionProblem(file: displayName, place: "", message: "the file is empty") }
        } catch let error as YamlError {
            failure = Self.problem(error, displayName)
        } catch {
            failure = DefinitionProblem(file: displayName, place: "", message: "cannot be read as UTF-8 text: \(error.localizedDescription)")
        }
        self.root = root
        if let failure { problems.append(failure) }
    }

    private static func problem(_ error: YamlError, _ file: String) -> DefinitionProblem {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return DefinitionProblem(file: file, line: mark.line, column: mark.column, place: "", message: "not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return DefinitionProblem(file: file, line: context.mark.line, column: context.mark.column, place: "",
                                     message: "duplicate key \(duplicates.joined(separator: ", "))")
        default:
            return DefinitionProblem(file: file, place: "", message: "not valid YAML: \(error)")
        }
    }

    func report(_ node: Node?, _ place: String, _ message: String) {
        problems.append(DefinitionProblem(file: path, line: node?.mark?.line, column: node?.mark?.column, place: place, message: message))
    }

    /// The string at `key` of `map`, reporting it when missing or not text.
    func string(_ map: Node, _ key: String, _ place: String, required: Bool = true) -> String? {
        guard let node = map[key] else {
            if required { report(map, place, "missing '\(key)'") }
            return nil
        }
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            report(node, place, "'\(key)' must be text")
            return nil
        }
        return scalar.string
    }

    func int(_ map: Node, _ key: String, _ place: String, default value: Int) -> Int {
        guard let node = map[key] else { return value }
        guard let n = node.int else {
            report(node, place, "'\(key)' must be a whole number")
            return value
        }
        return n
    }

    /// The pairs of a mapping, in file order, with string keys.
    func pairs(_ node: Node?, _ place: String) -> [(String, Node, Node)] {
        guard let node else { return [] }
        guard let mapping = node.mapping else {
            report(node, place, "must be a mapping of names to values")
            return []
        }
        return mapping.compactMap { key, value in
            guard let name = key.string else {
                report(key, place, "keys must be text")
                return nil
            }
            return (name, key, value)
        }
    }

    func sequence(_ node: Node?, _ place: String) -> [Node] {
        guard let node else { return [] }
        guard let seq = node.sequence else {
            report(node, place, "must be a list")
            return []
        }
        return Array(seq)
    }
}
