import Foundation
import Mustache

/// The console's pages as Mustache templates, one file each in `Console/Templates/`, compiled into
/// the binary with `style.css` (`EmbeddedTemplates`, made by `scripts/embed_templates.py`): an
/// installed binary needs no file beside it. `{{x}}` is HTML-escaped; the only unescaped
/// value is the layout's `{{{body}}}`, which is itself a rendered (escaped) template. No inline
/// script. Typed view models: `ConsolePages` builds each page's context.
public enum ConsoleTemplates {
    static let names = ["layout", "signin", "queue", "ticket", "audit", "message", "dashboard", "incidents", "incident", "incident-list",
                         "org-reports", "org-report", "uploads", "upload", "admin", "admin-users", "admin-organisations", "admin-tokens", "admin-webhooks", "admin-webhook", "crews"]

    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for name in names {
            // The templates ship with the code: a missing or broken one is a build error any test catches.
            do {
                try library.register(try resource(name, "mustache"), named: name)
            } catch {
                fatalError("console template \(name).mustache: \(error)")
            }
        }
        return library
    }()

    static let css: String = {
        do { return try resource("style", "css") } catch { fatalError("console style.css: \(error)") }
    }()

    /// A file of `Templates/`, without the final line end.
    static func resource(_ name: String, _ type: String) throws -> String {
        guard let text = EmbeddedTemplates.files["\(name).\(type)"] else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Templates/\(name).\(type)"])
        }
        return text
    }

    /// The files compiled in, by name (a test compares them with `Console/Templates/`).
    public static var embedded: [String: String] { EmbeddedTemplates.files }

    /// Every template parsed and the stylesheet there: called at start-up, so a broken one stops
    /// `serve` with its name instead of failing a request.
    public static func check() throws {
        var library = MustacheLibrary()
        for name in names { try library.register(try resource(name, "mustache"), named: name) }
        _ = try resource("style", "css")
    }
}
