import Foundation
import TestSupport
import Testing
import Web

/// The console's templates are compiled into the binary (an installed or moved `civicgate` has no
/// build folder beside it): the compiled copy is the folder's, file for file.
@Suite struct EmbeddedTemplatesTests {
    @Test func theCompiledTemplatesAreTheFoldersRunScriptsEmbedTemplatesWhenNot() throws {
        let folder = repositoryRoot.appendingPathComponent("Sources/Web/Console/Templates")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(ConsoleTemplates.embedded.keys.sorted() == names, "scripts/embed_templates.py")
        for name in names {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(ConsoleTemplates.embedded[name] == (text.hasSuffix("\n") ? String(text.dropLast()) : text), "\(name) is stale: scripts/embed_templates.py")
        }
        try ConsoleTemplates.check()
    }
}
