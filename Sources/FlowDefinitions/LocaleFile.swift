import FlowEngine
import Yams

/// Reads one `locales/<code>.yaml`: the language's code, its own name, its place on the language
/// screen, and its strings.
struct LocaleFile {
    var locale: LocaleStrings?
    var order = 0
    var keyMarks: [TextKey: Mark] = [:]

    init(_ file: YAMLFile, expectedCode: String) {
        guard let root = file.root else { return }
        guard let code = file.string(root, "code", "locale"), let name = file.string(root, "name", "locale") else { return }
        if code != expectedCode { file.report(root["code"], "locale", "code '\(code)' does not match the file name '\(expectedCode)'") }
        order = file.int(root, "order", "locale", default: 100)
        var strings: [TextKey: String] = [:]
        for (key, keyNode, value) in file.pairs(root["strings"], "strings") {
            guard let text = value.string, !text.isEmpty else {
                file.report(value, "key '\(key)'", "must be non-empty text")
                continue
            }
            keyMarks[key] = keyNode.mark
            strings[key] = text
        }
        if root["strings"] == nil { file.report(root, "locale", "missing 'strings'") }
        locale = LocaleStrings(code: code, name: name, strings: strings)
    }
}
