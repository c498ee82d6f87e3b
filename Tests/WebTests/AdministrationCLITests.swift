import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Gateway
import HummingbirdTesting
import Synchronization
import TestSupport
import Testing

/// The administrator's verbs, run as the real `civicgate` binary against a database file.
@Suite struct AdministrationCLITests {
    struct Run: Sendable {
        var status: Int32
        var output: String
        var errors: String
    }

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("civicgate-cli-\(UUID().uuidString)")
    var database: String { folder.appendingPathComponent("cli.sqlite").path }

    func civicgate(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = CivicgateProcess.executable
        process.arguments = arguments + (arguments.first == "serve" || arguments.contains("--database") ? [] : ["--database", database])
        process.currentDirectoryURL = repositoryRoot
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CIVICGATE_") }
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile(), errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self), errors: String(decoding: errors, as: UTF8.self))
    }

    /// `civicgate(...)` on a thread of its own: it blocks until the process ends, and on the
    /// cooperative pool (two threads here) it starved the test's own HTTP client, whose idle
    /// connection the server then closed.
    func civicgateAside(_ arguments: [String]) async throws -> Run {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Run, any Error>) in
            Thread.detachNewThread { done.resume(with: Result { try self.civicgate(arguments) }) }
        }
    }

    /// A call in the simulator that hangs up mid-report leaves its language and its unfinished
    /// report on disk (sessions are held in memory while a process runs): the next call, another
    /// process, greets the caller in that language and offers to continue.
    @Test func aSimulatedCallThatHangsUpIsContinuedByTheNextCall() throws {
        let first = try civicgate(["simulate", "--msisdn", "+27821230001", "--script", "2*1*1"])
        #expect(first.status == 0, "\(first.errors)")
        #expect(first.output.contains("[script ended; hanging up]"))
        let second = try civicgate(["simulate", "--msisdn", "+27821230001", "--script", ""])
        #expect(second.status == 0, "\(second.errors)")
        let chosen = try shippedDefinitions().engine().locales.ordered[1]  // the second language offered
        #expect(chosen.code != "en")
        #expect(second.output.contains(try #require(chosen.strings["resume.prompt"])), "\(second.output)")
    }

    /// The POPIA verbs on a real database file: the file, its backup and the pseudonym key are the
    /// owner's only; purge says what it would remove; a subject's export, code and erasure.
    @Test func purgeSubjectRequestsAndOpenDataFromTheCommandLine() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let dry = try civicgate(["purge", "--dry-run"])
        #expect(dry.status == 0 && dry.output.contains("inbound_sms") && dry.output.contains("older than 90 days: 0 would be purged"), "\(dry)")
        #expect(dry.output.contains("Dry run: nothing was changed."))
        func mode(_ path: String) throws -> Int { (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1 }
        #expect(try mode(database) == 0o600 && mode(database + ".pseudonym-key") == 0o600)
        let backup = folder.appendingPathComponent("copy.sqlite").path
        #expect(try civicgate(["backup", backup]).status == 0 && mode(backup) == 0o600)

        let verify = try civicgate(["subject", "verify", "0821110001"])
        #expect(verify.status == 0 && verify.output.contains("A code is on its way"), "\(verify)")
        let export = try civicgate(["subject", "export", "0821110001"])
        let json = try JSONSerialization.jsonObject(with: Data(export.output.utf8)) as? [String: Any]
        let sent = try #require(json?["sms_sent"] as? [[String: Any]])
        let code = String(try #require(sent.first?["text"] as? String).filter(\.isNumber).prefix(6))
        #expect(json?["number"] as? String == "+27821110001" && code.count == 6)
        #expect(try civicgate(["subject", "verify", "0821110001", "--code", "000000"]).status != 0 || code == "000000")
        #expect(try civicgate(["subject", "verify", "0821110001", "--code", code]).output.contains("Verified"))
        #expect(try civicgate(["subject", "erase", "0821110001"]).output.contains("Erased"))
        let after = try JSONSerialization.jsonObject(with: Data(try civicgate(["subject", "export", "0821110001"]).output.utf8)) as? [String: Any]
        #expect((after?["sms_sent"] as? [Any])?.isEmpty == true && after?["settings"] == nil)
        let open = folder.appendingPathComponent("open.csv").path
        #expect(try civicgate(["export", "open-data", open]).output.contains("Wrote 0 requests"))
        #expect(try civicgate(["export", "open-data", open]).status != 0, "never overwritten")
    }

    /// What the CLI prints is what happened: rows the daily quota refused are counted as rejected,
    /// and a member added to an organisation is called a member.
    @Test func importAndUserAddSayWhatWasDone() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try civicgate(["org", "add", "Quota Ward", "--daily-quota", "3"]).status == 0)
        let csv = folder.appendingPathComponent("walk.csv").path
        let rows = (1...5).map { "q\($0),water.leak,soweto,\($0) Main Rd,,\n" }.joined()
        try ("external_id,service_code,area,address,description,phone\n" + rows + "bad,nothing.here,soweto,1 Main Rd,,\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let run = try civicgate(["import", csv, "--org", "Quota Ward"])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("6 rows: 3 accepted, 3 rejected"), "\(run.output)")
        let results = try JSONDecoder().decode([RowResult].self, from: Data(contentsOf: URL(fileURLWithPath: csv + ".results.json")))
        #expect(results.filter { $0.reference != nil }.count == 3 && results.count == 6)

        let member = try civicgate(["user", "add", "nomsa", "--org", "Quota Ward", "--role", "organisation"],
                                   environment: ["CIVICGATE_PASSWORD": "a long enough password"])
        #expect(member.status == 0)
        #expect(member.output.contains("member 'nomsa'") && member.output.contains("Quota Ward") && !member.output.contains("Added organisation"),
                "\(member.output)")
    }

    /// The file is read, checked and stored in parts (5,000 rows; 50 here, to keep the test short):
    /// a repeated id is caught across parts, a bad row in a later part is reported by its own row
    /// number, and every row is in the results in order.
    @Test func aLongFileIsImportedPartByPartWithEveryRowAccountedFor() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try civicgate(["org", "add", "Long Walk", "--daily-quota", "100000"]).status == 0)
        let csv = folder.appendingPathComponent("long.csv").path
        var text = "external_id,service_code,area,address,description,phone\n"
        for i in 1...160 {
            let id = i == 150 ? "w2" : "w\(i)"  // row 151 repeats row 3's id
            let service = i == 70 ? "nothing.here" : "roads.pothole"
            text += "\(id),\(service),soweto,\"\(i) Long Walk Rd, by the school\",,\n"
        }
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let run = try civicgate(["import", csv, "--org", "Long Walk", "--rows-per-part", "50"])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("160 rows: 158 accepted, 2 rejected"), "\(run.output)")
        let results = try JSONDecoder().decode([RowResult].self, from: Data(contentsOf: URL(fileURLWithPath: csv + ".results.json")))
        #expect(results.map(\.row) == Array(2...161))
        #expect(results.filter { $0.reference == nil }.map(\.row) == [71, 151])
        #expect(results[149].errors?.first?.column == "external_id" && results[69].errors?.first?.column == "service_code")
        #expect(Set(results.compactMap(\.reference)).count == 158)
        // Again: nothing new, each row given its earlier reference.
        let again = try civicgate(["import", csv, "--org", "Long Walk", "--rows-per-part", "7"])
        #expect(again.output.contains("160 rows: 158 accepted"), "\(again.output)")
        let second = try JSONDecoder().decode([RowResult].self, from: Data(contentsOf: URL(fileURLWithPath: csv + ".results.json")))
        #expect(second.map(\.reference) == results.map(\.reference))
    }

    /// A file that breaks off (a quote never closed) stops there: the rows read before it are
    /// stored, even those not yet in a full part, and the results file is a complete JSON array.
    @Test func aFileThatBreaksOffKeepsTheRowsBeforeTheBreak() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try civicgate(["org", "add", "Broken Walk"]).status == 0)
        let csv = folder.appendingPathComponent("broken.csv").path
        let rows = (1...3).map { "b\($0),roads.pothole,soweto,\($0) Broken Rd,,\n" }.joined()
        try ("external_id,service_code,area,address,description,phone\n" + rows + "b4,roads.pothole,soweto,\"4 Broken Rd,,\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let run = try civicgate(["import", csv, "--org", "Broken Walk", "--rows-per-part", "50"])
        #expect(run.status != 0 && run.errors.contains("row 5: a quoted field is never closed") && run.errors.contains("3 rows before it"), "\(run.errors)")
        let results = try JSONDecoder().decode([RowResult].self, from: Data(contentsOf: URL(fileURLWithPath: csv + ".results.json")))
        #expect(results.map(\.row) == [2, 3, 4] && results.allSatisfy { $0.reference != nil })
        // A header that is not the bulk header: refused, nothing stored, the results file still JSON.
        try "id,what\n1,pothole\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let wrong = try civicgate(["import", csv, "--org", "Broken Walk"])
        #expect(wrong.status != 0 && wrong.errors.contains("external_id"), "\(wrong.errors)")
        #expect(try JSONDecoder().decode([RowResult].self, from: Data(contentsOf: URL(fileURLWithPath: csv + ".results.json"))).isEmpty)
    }

    @Test func usersAreListedDisabledAndGivenNewPasswords() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let password = ["CIVICGATE_PASSWORD": "a long enough password"]
        #expect(try civicgate(["user", "add", "thandi", "--moe", "water"], environment: password).status == 0)
        #expect(try civicgate(["user", "add", "sipho", "--moe", "electricity", "--role", "supervisor"], environment: password).status == 0)
        let list = try civicgate(["user", "list"])
        #expect(list.status == 0)
        #expect(list.output.contains("thandi\twater\tdispatcher\tactive"))
        #expect(list.output.contains("sipho\telectricity\tsupervisor\tactive"))
        #expect(!list.output.contains("password") && !list.output.contains("$2"))

        #expect(try civicgate(["user", "password", "thandi"], environment: ["CIVICGATE_PASSWORD": "short"]).status != 0)
        #expect(try civicgate(["user", "password", "thandi"], environment: ["CIVICGATE_PASSWORD": "another long password"]).status == 0)
        #expect(try civicgate(["user", "password", "nobody"], environment: password).errors.contains("no user 'nobody'"))
        #expect(try civicgate(["user", "disable", "thandi"]).status == 0)
        #expect(try civicgate(["user", "disable", "thandi"]).status != 0, "already disabled")
        #expect(try civicgate(["user", "list"]).output.contains("thandi\twater\tdispatcher\tdisabled"))
    }

    @Test func aSupervisorsContactForEscalationsIsSetCheckedAndListedMasked() throws {
        let password = ["CIVICGATE_PASSWORD": "a long enough password"]
        #expect(try civicgate(["user", "add", "sipho", "--moe", "water", "--role", "supervisor"], environment: password).status == 0)
        let set = try civicgate(["user", "contact", "sipho", "--phone", "0821234567", "--email", "sipho@example.org", "--head"])
        #expect(set.status == 0)
        #expect(set.output.contains("head of water") && set.output.contains("+27 82 *** 4567") && !set.output.contains("821234567"))
        #expect(try civicgate(["user", "list"]).output.contains("sipho\twater\tsupervisor\tactive\thead, SMS +27 82 *** 4567, e-mail sipho@example.org"))
        #expect(try civicgate(["user", "contact", "sipho", "--phone", "12"]).status != 0, "not a mobile number")
        #expect(try civicgate(["user", "contact", "sipho", "--email", "not an address"]).status != 0)
        #expect(try civicgate(["user", "contact", "nobody", "--head"]).errors.contains("no user 'nobody'"))
        let cleared = try civicgate(["user", "contact", "sipho", "--phone", "none", "--no-head"])
        #expect(cleared.status == 0 && cleared.output.contains("e-mail to sipho@example.org") && !cleared.output.contains("head"))
    }

    @Test func tokensAreListedAndRevokedWithoutEverBeingShownAgain() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let added = try civicgate(["token", "add", "--moe", "water"])
        let token = try #require(added.output.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        let list = try civicgate(["token", "list"])
        #expect(list.output.contains("1\twater\t\(token.prefix(7))…\tactive"))
        #expect(!list.output.contains(token))
        #expect(try civicgate(["token", "revoke", String(token.prefix(7))]).status == 0)
        #expect(try civicgate(["token", "list"]).output.contains("revoked"))
        #expect(try civicgate(["token", "revoke", "1"]).status != 0, "already revoked")
    }

    @Test func anOrganisationsDailyQuotaIsSetAtRegistrationAndChanged() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let added = try civicgate(["org", "add", "Ward 12 committee", "--daily-quota", "200"])
        #expect(added.status == 0)
        #expect(added.output.split(separator: " ").last?.hasPrefix("cg_") == true, "the key is the last word")
        #expect(try civicgate(["org", "list"]).output.contains("Ward 12 committee\tcg_"))
        #expect(try civicgate(["org", "list"]).output.contains("200/day"))
        #expect(try civicgate(["org", "set", "Ward 12 committee", "--daily-quota", "75000"]).status == 0)
        #expect(try civicgate(["org", "list"]).output.contains("75000/day"))
        #expect(try civicgate(["org", "set", "Ward 12 committee", "--daily-quota", "0"]).status != 0)
        #expect(try civicgate(["org", "set", "No such org", "--daily-quota", "5"]).status != 0)
    }

    @Test func serveRefusesAPublicAddressWithoutAWebhookToken() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let refused = try civicgate(["serve", "--host", "0.0.0.0", "--port", "0", "--database", database])
        #expect(refused.status == 2)
        #expect(refused.errors.contains("CIVICGATE_WEBHOOK_TOKEN"))
        let weak = try civicgate(["serve", "--port", "0", "--database", database], environment: ["CIVICGATE_WEBHOOK_TOKEN": "short"])
        #expect(weak.status != 0)
        #expect(weak.errors.contains("CIVICGATE_WEBHOOK_TOKEN"))
        // On loopback, but reached from the internet all the same: a proxy forwards strangers.
        for exposed in [["CIVICGATE_TRUSTED_PROXIES": "127.0.0.1/32"], ["CIVICGATE_PUBLIC_URL": "https://civicgate.example.gov.za"]] {
            let run = try civicgate(["serve", "--port", "0", "--database", database], environment: exposed)
            #expect(run.status == 2 && run.errors.contains("CIVICGATE_WEBHOOK_TOKEN"), "\(exposed): \(run.errors)")
            #expect(!run.errors.contains("listen on 127.0.0.1 behind a proxy"))
        }
        let badProxies = try civicgate(["serve", "--port", "0", "--database", database], environment: ["CIVICGATE_TRUSTED_PROXIES": "127.0.0.1/32,proxy"])
        #expect(badProxies.status != 0)
        #expect(badProxies.errors.contains("CIVICGATE_TRUSTED_PROXIES"))
        let postgres = try civicgate(["serve", "--port", "0"], environment: ["CIVICGATE_DATABASE": "postgres://civic:secret@127.0.0.1:1/cg",
                                                                         "CIVICGATE_PSEUDONYM_KEY_FILE": testPseudonymKeyFile])
        #expect(postgres.status != 0 && postgres.errors.contains("CIVICGATE_DATABASE") && !postgres.errors.contains("secret"))
        #expect(!FileManager.default.fileExists(atPath: repositoryRoot.appendingPathComponent("postgres:").path), "no SQLite file named after the URL")
        let badZone = try civicgate(["serve", "--port", "0", "--database", database], environment: ["CIVICGATE_TIME_ZONE": "Mars/Olympus"])
        #expect(badZone.errors.contains("CIVICGATE_TIME_ZONE"))
    }

    /// The pseudonym key is a secret: PostgreSQL installations name theirs, and a key anyone may
    /// read, one tracked by git, or the one once published in the tree stops every verb that uses it.
    @Test func aPseudonymKeyThatIsNotSecretIsRefused() throws {
        let postgres = "postgres://civic:secret@127.0.0.1:1/cg"
        for verb in [["serve", "--port", "0"], ["purge", "--dry-run"], ["subject", "export", "+27821234567"]] {
            let run = try civicgate(verb + ["--database", postgres])
            #expect(run.status == 2, "\(verb)")
            #expect(run.errors.contains("CIVICGATE_PSEUDONYM_KEY_FILE"), "\(verb): \(run.errors)")
        }
        #expect(!FileManager.default.fileExists(atPath: repositoryRoot.appendingPathComponent("civicgate-pseudonym.key").path))

        let key = folder.appendingPathComponent("shared.key").path
        FileManager.default.createFile(atPath: key, contents: Data(repeating: 7, count: 32), attributes: [.posixPermissions: 0o640])
        let readable = try civicgate(["serve", "--port", "0"], environment: ["CIVICGATE_PSEUDONYM_KEY_FILE": key])
        #expect(readable.status == 2 && readable.errors.contains("CIVICGATE_PSEUDONYM_KEY_FILE") && readable.errors.contains("chmod 600"))

        let published = folder.appendingPathComponent("published.key").path
        let publishedKey = Data(base64Encoded: "KWmg+mooNNiVHQTXF3Z7wXxLDiChVjDNK+P2pJLMKuA=")!
        FileManager.default.createFile(atPath: published, contents: publishedKey, attributes: [.posixPermissions: 0o600])
        let old = try civicgate(["serve", "--port", "0"], environment: ["CIVICGATE_PSEUDONYM_KEY_FILE": published])
        #expect(old.status == 2 && old.errors.contains("published"))

        // A key committed to a repository is public however its file's mode reads.
        let repository = folder.appendingPathComponent("checkout")
        try FileManager.default.createDirectory(at: repository, withIntermediateDirectories: true)
        let tracked = repository.appendingPathComponent("site.key").path
        FileManager.default.createFile(atPath: tracked, contents: Data(repeating: 9, count: 32), attributes: [.posixPermissions: 0o600])
        for step in [["init", "-q"], ["add", "-f", "site.key"]] {
            let git = Process()
            git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            git.arguments = ["git", "-C", repository.path] + step
            try git.run()
            git.waitUntilExit()
        }
        let inGit = try civicgate(["serve", "--port", "0"], environment: ["CIVICGATE_PSEUDONYM_KEY_FILE": tracked])
        #expect(inGit.status == 2 && inGit.errors.contains("tracked by git"))
    }

    /// No key, database or backup is ever committed: each would publish what it protects.
    @Test func theRepositoryTracksNoKeyOrDatabase() throws {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", repositoryRoot.path, "ls-files"]
        let out = Pipe()
        git.standardOutput = out
        try git.run()
        let files = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        git.waitUntilExit()
        try #require(git.terminationStatus == 0 && files.count > 100, "git ls-files must list the tree")
        let secret = files.filter { name in
            [".key", ".pseudonym-key", ".sqlite", ".sqlite-wal", ".sqlite-shm", ".sqlite3", ".db", ".pem"].contains { name.hasSuffix($0) }
        }
        #expect(secret.isEmpty, "tracked: \(secret)")
    }

    @Test(.timeLimit(.minutes(4)))
    func aBackupTakenWhileServeRunsIsConsistentAndServesTheTicketsShown() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let server = try await CivicgateProcess.start(database: database)
        defer { server.stop() }
        func report(_ i: Int) async throws -> String {
            // A connection per hop: on a machine busy with other tests, one kept between hops can
            // sit idle past the server's idle timeout and be closed under the next request.
            var s = ATSession(port: server.port, sessionID: "b-\(i)", phone: "+2782555\(String(format: "%04d", i))")
            _ = try await s.dial()
            for input in ["1", "1", "1", "1", "1", "House \(i)"] { _ = try await s.send(input) }
            return referenceDigits(try await s.send("1"))
        }
        var shown: [String] = []
        for i in 0..<5 { shown.append(try await report(i)) }
        // More reports keep arriving while the backup is taken.
        let backup = folder.appendingPathComponent("backup.sqlite").path
        async let during = (5..<15).asyncMap { try await report($0) }
        let run = try await civicgateAside(["backup", backup, "--database", database])
        let later = try await during
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("integrity ok"))
        #expect(try civicgate(["backup", backup, "--database", database]).errors.contains("exists already"), "never overwrites")
        // The copy is a working database: a restored gateway tracks what was shown before the backup.
        let restored = try await CivicgateProcess.start(database: backup)
        defer { restored.stop() }
        var s = ATSession(port: restored.port, sessionID: "after", phone: "+27825559999")
        _ = try await s.dial()
        _ = try await s.send("1")
        _ = try await s.send("2")
        #expect(try await s.send(shown[0]).hasPrefix("END Ref "))
        let tickets = Int(run.output.split(separator: " ").first { $0.allSatisfy(\.isNumber) && !$0.isEmpty }.map(String.init) ?? "") ?? -1
        #expect((5...15).contains(tickets), "a snapshot between the reports before and after: \(tickets)")
        #expect(later.count == 10)
    }
}

extension AdministrationCLITests {
    /// `crew add|list|remove` against the database a running `serve` uses: the serve sees each change at once.
    @Test(.timeLimit(.minutes(4)))
    func crewVerbsTakeEffectAtOnceInARunningServe() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let server = try await CivicgateProcess.start(database: database)
        defer { server.stop() }
        // Before: the number is a stranger's (the language choice).
        var before = ATSession(port: server.port, sessionID: "crew-0", phone: "+27825550001")
        let stranger = try await before.dial()
        #expect(!stranger.contains("My jobs"))

        let added = try await civicgateAside(["crew", "add", "Pipe Team A", "--moe", "water", "--phone", "0825550001", "--phone", "0825550002",
                                              "--language", "en", "--database", database])
        #expect(added.status == 0 && added.output.contains("Added crew 'Pipe Team A' of water: 2 member(s)"), "\(added.errors)")
        var crew = ATSession(port: server.port, sessionID: "crew-1", phone: "+27825550001")
        let home = try await crew.dial()
        #expect(home.contains("1 My jobs"), "\(home)")
        let none = try await crew.send("1")
        #expect(none.contains("Pipe Team A has no open jobs"), "\(none)")

        // Refused with a reason and a non-zero exit: a number already in a crew, a bad number, an unknown MOE.
        let taken = try await civicgateAside(["crew", "add", "Roads", "--moe", "roads", "--phone", "0825550002", "--database", database])
        #expect(taken.status != 0 && taken.errors.contains("already in crew Pipe Team A"))
        let bad = try await civicgateAside(["crew", "add", "Roads", "--moe", "roads", "--phone", "12345", "--database", database])
        #expect(bad.status != 0 && bad.errors.contains("12345"))
        #expect(try await civicgateAside(["crew", "add", "Roads", "--moe", "nowhere", "--phone", "0825550003", "--database", database]).status != 0)

        let list = try await civicgateAside(["crew", "list", "--moe", "water", "--database", database])
        #expect(list.status == 0 && list.output.contains("water\tPipe Team A\ten") && list.output.contains("0 open"))
        #expect(!list.output.contains("0825550001") && !list.output.contains("+27825550001"), "numbers masked")

        let removed = try await civicgateAside(["crew", "remove", "Pipe Team A", "--moe", "water", "--database", database])
        #expect(removed.status == 0 && removed.output.contains("0 open job(s) back in the queue"), "\(removed.errors)")
        var after = ATSession(port: server.port, sessionID: "crew-2", phone: "+27825550001")
        let again = try await after.dial()
        #expect(!again.contains("My jobs"))
        #expect(try await civicgateAside(["crew", "remove", "Pipe Team A", "--moe", "water", "--database", database]).status != 0)
    }
}

extension Range where Bound == Int {
    func asyncMap<T>(_ body: (Int) async throws -> T) async throws -> [T] {
        var out: [T] = []
        for i in self { out.append(try await body(i)) }
        return out
    }
}

/// `civicgate doctor` names each problem of a configuration, with what to do, and exits 0 only when
/// there is none; it reads only the env file it is given. Everything it contacts is on 127.0.0.1.
@Suite struct DoctorCLITests {
    let cli = AdministrationCLITests()

    /// A listener on 127.0.0.1 that never answers: a port another program holds.
    static func holdPort() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        listen(fd, 1)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) } }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    @Test func doctorNamesEachProblemAndExitsZeroOnlyWhenThereIsNone() throws {
        let held = try Self.holdPort()
        defer { close(held.fd) }
        try FileManager.default.createDirectory(at: cli.folder, withIntermediateDirectories: true)
        let broken = cli.folder.appendingPathComponent("broken.env")
        try """
            # a public bind without its token and URL, SMTP that refuses, a port another program holds
            CIVICGATE_HOST=0.0.0.0
            CIVICGATE_PORT=\(held.port)
            CIVICGATE_SMTP_URL="smtp://127.0.0.1:1"
            CIVICGATE_SMTP_FROM=civicgate@example.org
            CIVICGATE_DATABASE=\(cli.database)
            """.write(to: broken, atomically: true, encoding: .utf8)
        // The process's own environment is not read when a file is given.
        let run = try cli.civicgate(["doctor", "--env-file", broken.path], environment: ["CIVICGATE_WEBHOOK_TOKEN": "from-the-environment-not-read"])
        #expect(run.status == 1, "\(run.output)\(run.errors)")
        for line in ["problem  webhook token", "problem  public URL", "problem  SMTP: 127.0.0.1:1 does not accept connections",
                     "problem  HTTP port: 0.0.0.0:\(held.port) is taken by another program", "ok       menus and locales", "4 problems"] {
            #expect(run.output.contains(line), "\(line)\n\(run.output)")
        }
        let fine = cli.folder.appendingPathComponent("fine.env")
        try "CIVICGATE_HOST=127.0.0.1\nCIVICGATE_PORT=0\nCIVICGATE_DATABASE=\(cli.database)\n".write(to: fine, atomically: true, encoding: .utf8)
        let ok = try cli.civicgate(["doctor", "--env-file", fine.path])
        #expect(ok.status == 0 && ok.output.contains("0 problems") && ok.output.contains("warning  SMS provider: log"), "\(ok.output)\(ok.errors)")
        let missing = try cli.civicgate(["doctor", "--env-file", cli.folder.appendingPathComponent("none.env").path])
        #expect(missing.status == 1 && missing.output.contains("problem  configuration"))
    }
}
