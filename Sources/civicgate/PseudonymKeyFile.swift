import ArgumentParser
import Foundation
import Gateway
import PostgresStore

/// Where the pseudonym key lives, and the refusals that keep it secret. On SQLite it defaults to a
/// file beside the database (never inside it, nor in its backups). On PostgreSQL there is no
/// default: every instance must be given the same file, so one made in a working folder is wrong.
/// Any key file group or others may read, one that git tracks, or the key once published in the
/// tree stops the command with exit 2, naming `CIVICGATE_PSEUDONYM_KEY_FILE`.
enum PseudonymKeyFile {
    static let variable = "CIVICGATE_PSEUDONYM_KEY_FILE"

    static func path(_ c: GatewayConfiguration) -> String? {
        c.pseudonymKeyFile ?? (PostgresAppDatabase.Address(c.database) == nil ? c.database + ".pseudonym-key" : nil)
    }

    static func load(_ c: GatewayConfiguration) throws -> Data {
        guard let path = path(c) else {
            refuse("""
                \(variable) is not set. A PostgreSQL installation names its pseudonym key file, and every instance is \
                given the same file: make one with `head -c 32 /dev/urandom > /etc/civicgate/pseudonym.key; \
                chmod 600 /etc/civicgate/pseudonym.key` and copy it to each instance.
                """)
        }
        if let repository = trackedByGit(path) {
            refuse("\(variable)=\(path) is tracked by git in \(repository): a key in a repository is public. Make a new one outside the work tree.")
        }
        do {
            return try Pseudonyms.key(at: path)
        } catch {
            refuse("\(variable)=\(path) is not usable: \(error)")
        }
    }

    /// A key for one command that pseudonymises nothing.
    static func unkept() -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    static func refuse(_ message: String) -> Never {
        FileHandle.standardError.write(Data("civicgate: \(message)\n".utf8))
        Foundation.exit(2)
    }

    /// The work tree that tracks `path`, if any (found by walking up to a `.git`; then git is asked).
    static func trackedByGit(_ path: String) -> String? {
        let file = URL(fileURLWithPath: path).standardizedFileURL
        var folder = file.deletingLastPathComponent()
        while true {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path) { break }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", folder.path, "ls-files", "--error-unmatch", "--", file.path]
        git.standardOutput = FileHandle.nullDevice
        git.standardError = FileHandle.nullDevice
        do { try git.run() } catch { return nil }
        git.waitUntilExit()
        return git.terminationStatus == 0 ? folder.path : nil
    }
}
