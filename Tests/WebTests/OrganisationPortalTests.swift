import Domain
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import Store
import Testing
import TestSupport
import Channels
@testable import Web

/// Community organisations' members in the console: their own reports only, uploads of CSV files
/// as spreadsheets save them, the result page and its download; nothing of any MOE's queue.
@Suite struct OrganisationPortalTests {
    /// An organisation with one member (`member`), its id.
    static func organisation(_ world: TestGateway, _ name: String, member: String) async throws -> Int64 {
        let (organisation, _) = try await world.organisations.add(name: name, at: world.clock.now())
        _ = try await world.staff.addUser(username: member, password: TestGateway.password, scope: .organisation(organisation.id),
                                          role: .organisation, at: world.clock.now())
        return organisation.id
    }

    /// Uploads a file and reads its result page once the background work is done.
    static func upload(_ browser: ConsoleBrowser, _ name: String, _ bytes: [UInt8]) async throws -> (id: String, page: ConsoleBrowser.Page) {
        let sent = try await browser.upload("/console/uploads", file: name, bytes)
        try #require(sent.status == .seeOther, "\(sent.body)")
        let location = try #require(sent.location)
        for _ in 0..<1_000 {
            let page = try await browser.get(location)
            if !page.body.contains("Working:") { return (String(location.split(separator: "/").last!), page) }
            #expect(page.body.contains(#"<meta http-equiv="refresh" content="2">"#), "the page refreshes itself while working")
            try await Task.sleep(for: .milliseconds(10))
        }
        throw CancellationError()
    }

    static func csv(_ rows: [String], separator: String = ",", lineEnd: String = "\n") -> [UInt8] {
        Array(([BulkReports.columns.joined(separator: separator)] + rows).joined(separator: lineEnd).utf8)
    }

    @Test func aMemberSeesOnlyTheirOrganisationsReportsAndNoQueue() async throws {
        let world = try TestGateway()
        _ = try await Self.organisation(world, "Orlando East residents", member: "nomsa")
        _ = try await Self.organisation(world, "Kliptown NGO", member: "pieter")
        try await world.user("thandi", moe: "water")
        let ours = try await world.report("water", "burst_pipe", address: "3 Mooki St", reporter: "+27820000111", by: "Orlando East residents")
        let theirs = try await world.report("water", "no_water", address: "9 Union Rd", by: "Kliptown NGO")
        try await makeApp(world).test(.router) { client in
            let nomsa = ConsoleBrowser(client)
            let landing = try await nomsa.signIn("nomsa", TestGateway.password)
            #expect(landing.status == .seeOther)
            let home = try await nomsa.get("/console/")
            #expect(home.body.contains(ours.grouped) && home.body.contains("3 Mooki St") == false, "the list: reference, not the address")
            #expect(!home.body.contains(theirs.grouped))
            #expect(!home.body.contains("820000111") && !home.body.contains("Queue</a>"), "no reporter's number, no queue link")
            let detail = try await nomsa.get("/console/reports/\(ours.digits)")
            #expect(detail.status == .ok && detail.body.contains("3 Mooki St") && detail.body.contains("What residents were told"))
            #expect(!detail.body.contains("820000111"))
            #expect(try await nomsa.get("/console/reports/\(theirs.digits)").status == .notFound, "another organisation's report")
            // Every MOE page is a 404 for a member, reads and forms alike.
            for path in ["/console/tickets/\(ours.digits)", "/console/dashboard", "/console/dashboard.csv", "/console/incidents", "/console/audit",
                         "/console/export.csv", "/console/admin", "/console/admin/users", "/console/incidents/1"] {
                #expect(try await nomsa.get(path).status == .notFound, "\(path)")
            }
            #expect(try await nomsa.post("/console/tickets/\(ours.digits)/acknowledge", []).status == .notFound)
            #expect(try await nomsa.post("/console/bulk", [("action", "acknowledge"), ("ref", ours.digits)]).status == .notFound)
            #expect(try await nomsa.post("/console/admin/tokens", [("moe", "water")]).status == .notFound)
            #expect(try await world.staff.tokens().isEmpty)
            let export = try await nomsa.get("/console/reports.csv")
            #expect(export.status == .ok && export.body.contains(ours.digits) && !export.body.contains(theirs.digits) && !export.body.contains("820000111"))

            // A dispatcher cannot reach an organisation's pages or the administration.
            let thandi = ConsoleBrowser(client)
            try await thandi.signIn("thandi", TestGateway.password)
            for path in ["/console/reports", "/console/reports/\(ours.digits)", "/console/uploads", "/console/template.csv", "/console/reports.csv",
                         "/console/admin", "/console/admin/users", "/console/admin/organisations", "/console/admin/tokens"] {
                #expect(try await thandi.get(path).status == .notFound, "\(path)")
            }
            try await thandi.get("/console/")
            #expect(try await thandi.post("/console/admin/users", [("username", "mallory"), ("password", "a long enough password"), ("role", "admin"),
                                                                  ("moe", "water")]).status == .notFound)
            #expect(try await world.staff.users().contains { $0.user.username == "mallory" } == false)

            // A dispatcher acknowledges; the member sees the status and what the reporter was told.
            try await thandi.post("/console/tickets/\(ours.digits)/acknowledge", [])
            let after = try await nomsa.get("/console/reports/\(ours.digits)")
            #expect(after.body.contains("Acknowledged") || after.body.contains("acknowledged"))
            let filtered = try await nomsa.get("/console/reports?status=acknowledged")
            #expect(filtered.body.contains(ours.grouped))
            #expect(!(try await nomsa.get("/console/reports?status=new")).body.contains(ours.grouped))

            // Revoking the organisation signs its members out.
            _ = try await world.organisations.revoke("Orlando East residents", at: world.clock.now())
            #expect(try await nomsa.get("/console/").body.contains("Sign in"))
        }
    }

    @Test func anUploadStoresGoodRowsNamesBadOnesAndCountsDuplicates() async throws {
        let world = try TestGateway()
        let id = try await Self.organisation(world, "Ward 12 committee", member: "nomsa")
        try await makeApp(world).test(.router) { client in
            let nomsa = ConsoleBrowser(client)
            try await nomsa.signIn("nomsa", TestGateway.password)
            let form = try await nomsa.get("/console/uploads")
            #expect(form.body.contains(#"enctype="multipart/form-data""#) && form.body.contains("water.burst_pipe") && form.body.contains("soweto"))
            let template = try await nomsa.get("/console/template.csv")
            #expect(template.contentType?.hasPrefix("text/csv") == true && template.body.hasPrefix(BulkReports.columns.joined(separator: ",")))
            #expect(template.body.split(separator: "\r\n").count == 2, "the header and one example row")
            #expect(try await nomsa.get("/console/codes.csv").body.contains("service_code,water.burst_pipe,"))

            let first = Self.csv([
                "w-1,water.burst_pipe,soweto,1 Vilakazi St,Water everywhere,0821110001",
                "w-2,roads.pothole,soweto,2 Vilakazi St,,",
                "w-3,water.teleporter,soweto,3 Vilakazi St,,",
                "w-4,waste,nowhere,4 Vilakazi St,,not-a-phone",
                "w-5,electricity,soweto,5 Vilakazi St,,",
            ])
            let (upload, page) = try await Self.upload(nomsa, "walk-about 1.csv", first)
            #expect(page.body.contains("<strong>3</strong> accepted") && page.body.contains("<strong>0</strong> duplicates") && page.body.contains("<strong>2</strong> rejected"))
            #expect(page.body.contains("<td>4</td><td>w-3</td>") && page.body.contains("<strong>service code</strong>: &#39;water.teleporter&#39;"),
                    "row 4 (the header is row 1), its column and why")
            #expect(page.body.contains("<td>5</td><td>w-4</td>") && page.body.contains("<strong>area</strong>") && page.body.contains("<strong>phone</strong>"))
            let results = try await nomsa.get("/console/uploads/\(upload)/results.csv")
            let lines = results.body.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            #expect(lines.first == ["row", "external_id", "result", "reference", "problems"])
            #expect(lines.dropFirst().map { $0[2] } == ["accepted", "accepted", "rejected", "rejected", "accepted"])
            #expect(lines.dropFirst().filter { $0[2] == "accepted" }.allSatisfy { $0[3].count == 9 }, "a reference per accepted row")
            #expect(try await world.sms(to: "+27821110001").count == 1, "the reporter's confirmation")

            // The same rows again with one new: duplicates, not new tickets.
            let again = Self.csv(["w-1,water.burst_pipe,soweto,1 Vilakazi St,Water everywhere,0821110001", "w-2,roads.pothole,soweto,2 Vilakazi St,,",
                                  "w-6,roads.pothole,soweto,6 Vilakazi St,,"])
            let (second, secondPage) = try await Self.upload(nomsa, "walk-about 2.csv", again)
            #expect(secondPage.body.contains("<strong>1</strong> accepted") && secondPage.body.contains("<strong>2</strong> duplicates")
                    && secondPage.body.contains("<strong>0</strong> rejected"))
            #expect(try await world.sms(to: "+27821110001").count == 1, "no second confirmation for a duplicate")
            let all = try await world.organisations.organisationRequests(id, OrganisationRequestFilter())
            #expect(all.count == 4)
            let bySecond = try await nomsa.get("/console/reports?upload=\(second)")
            #expect(all.filter { $0.upload == Int64(second) }.count == 1)
            #expect(bySecond.body.contains(try #require(all.first { $0.externalID == "w-6" }).reference.suffix(3)))
            let audit = try await world.staff.auditEntries(scope: nil, limit: 20, offset: 0)
            #expect(audit.contains { $0.actor == "nomsa" && $0.action.rawValue == "upload" && $0.detail?.contains("walk-about 1.csv, 5 rows") == true })
            #expect(audit.contains { $0.actor == "nomsa" && $0.action.rawValue == "upload processed" && $0.detail?.contains("3 accepted, 0 duplicates, 2 rejected") == true })
        }
    }

    @Test(arguments: [
        ("UTF-8 with a byte-order mark", [0xEF, 0xBB, 0xBF] + Array("external_id,service_code,area,address,description,phone\nx-1,water.burst_pipe,soweto,Café 1 Main Rd,,\n".utf8)),
        ("Windows-1252", Array("external_id,service_code,area,address,description,phone\r\nx-1,water.burst_pipe,soweto,Caf".utf8) + [0xE9] + Array(" 1 Main Rd,\u{93}leak\u{94},\r\n".utf8).map { $0 == 0xC2 ? 0x20 : $0 }),
        ("semicolons", Array("external_id;service_code;area;address;description;phone\r\nx-1;water.burst_pipe;soweto;Café 1 Main Rd;a, b and c;\r\n".utf8)),
        ("a quoted field with a line break", Array("external_id,service_code,area,address,description,phone\r\nx-1,water.burst_pipe,soweto,\"Café 1 Main Rd\",\"line one\r\nline two\",\r\n".utf8)),
    ] as [(String, [UInt8])])
    func spreadsheetsSavedAsCSVAreRead(_ kind: String, _ bytes: [UInt8]) async throws {
        let world = try TestGateway()
        let id = try await Self.organisation(world, "Ward 12 committee", member: "nomsa")
        try await makeApp(world).test(.router) { client in
            let nomsa = ConsoleBrowser(client)
            try await nomsa.signIn("nomsa", TestGateway.password)
            try await nomsa.get("/console/uploads")
            let (_, page) = try await Self.upload(nomsa, "\(kind).csv", bytes)
            #expect(page.body.contains("<strong>1</strong> accepted"), "\(kind): \(page.body)")
            let stored = try await world.organisations.organisationRequests(id, OrganisationRequestFilter())
            #expect(stored.first?.address == "Café 1 Main Rd", "\(kind)")
        }
    }

    @Test func aFileThatCannotGoInIsRefusedWithTheReason() async throws {
        let world = try TestGateway()
        _ = try await Self.organisation(world, "Ward 12 committee", member: "nomsa")
        try await makeApp(world).test(.router) { client in
            let nomsa = ConsoleBrowser(client)
            try await nomsa.signIn("nomsa", TestGateway.password)
            try await nomsa.get("/console/uploads")
            let noHeader = try await nomsa.upload("/console/uploads", file: "x.csv", Array("a,b\n1,2\n".utf8))
            #expect(noHeader.status == .unprocessableContent && noHeader.body.contains("service_code") && noHeader.body.contains("template"))
            let empty = try await nomsa.upload("/console/uploads", file: "x.csv", Self.csv([]))
            #expect(empty.status == .unprocessableContent && empty.body.contains("no reports"))
            let tooMany = Self.csv((0...UploadJob.maxRows).map { "r-\($0),water,soweto,1 Main Rd,," })
            let big = try await nomsa.upload("/console/uploads", file: "big.csv", tooMany)
            #expect(big.status == .unprocessableContent && big.body.contains("20000"))
            let unterminated = try await nomsa.upload("/console/uploads", file: "x.csv", Self.csv(["r-1,water,soweto,\"1 Main Rd,,"]))
            #expect(unterminated.status == .unprocessableContent && unterminated.body.contains("never closed"))
            let forged = try await nomsa.upload("/console/uploads", file: "x.csv", Self.csv(["r-1,water,soweto,1 Main Rd,,"]), csrf: "forged")
            #expect(forged.status == .forbidden)
            #expect(try await world.organisations.uploads(organisation: 1, limit: 10).isEmpty, "nothing started")
        }
    }

    @Test func anAdministratorManagesAccountsOrganisationsAndTokensAndEveryChangeIsAudited() async throws {
        let world = try TestGateway()
        try await world.user("root", moe: "water", role: .admin)
        try await makeApp(world).test(.router) { client in
            let admin = ConsoleBrowser(client)
            try await admin.signIn("root", TestGateway.password)
            let home = try await admin.get("/console/admin")
            #expect(home.status == .ok && home.body.contains("<code>water</code>") && home.body.contains("Queues"))

            // An organisation: its key shown once.
            let added = try await admin.post("/console/admin/organisations", [("name", "Ward <12> & friends")])
            #expect(added.body.contains("Ward &lt;12&gt; &amp; friends") && !added.body.contains("Ward <12>"), "escaped")
            let key = try #require(added.body.firstMatch(of: /<code>(og_[A-Za-z0-9_-]+|[A-Za-z0-9_-]{40,})<\/code>/)?.1).description
            let organisation = try #require(try await world.organisations.authenticate(key: key))
            #expect(!(try await admin.get("/console/admin/organisations")).body.contains(key), "shown only once")

            // A member for it, a dispatcher, then changes to the dispatcher.
            try await admin.post("/console/admin/users", [("username", "nomsa"), ("password", "a long enough password"), ("role", "organisation"),
                                                           ("moe", "water"), ("organisation", String(organisation.id))])
            try await admin.post("/console/admin/users", [("username", "sipho"), ("password", "a long enough password"), ("role", "dispatcher"),
                                                           ("moe", "water"), ("organisation", "")])
            let bad = try await admin.post("/console/admin/users", [("username", "x"), ("password", "a long enough password"), ("role", "dispatcher"),
                                                                     ("moe", "water")])
            #expect(bad.status == .unprocessableContent && bad.body.contains("2-64"))
            try await admin.post("/console/admin/users/sipho/change", [("role", "supervisor"), ("moe", "electricity"), ("organisation", "")])
            try await admin.post("/console/admin/users/sipho/password", [("password", "another long password")])
            let users = try await world.staff.users()
            #expect(users.first { $0.user.username == "nomsa" }?.user.organisation == organisation.id)
            let sipho = try #require(users.first { $0.user.username == "sipho" })
            #expect(sipho.user.role == .supervisor && sipho.user.moe == "electricity")
            let member = ConsoleBrowser(client)
            #expect(try await member.signIn("nomsa", "a long enough password").status == .seeOther)
            #expect(try await member.get("/console/").body.contains("our reports"))
            try await admin.post("/console/admin/users/sipho/disable", [])
            #expect(try await ConsoleBrowser(client).signIn("sipho", "another long password").status == .unauthorized)

            // An MOE token: shown once, then revoked.
            let tokenPage = try await admin.post("/console/admin/tokens", [("moe", "water")])
            let token = try #require(tokenPage.body.firstMatch(of: /<code>(mt_[A-Za-z0-9]+)<\/code>/)?.1).description
            #expect(try await world.staff.moe(forToken: token) == "water")
            let id = try #require(try await world.staff.tokens().first?.id)
            try await admin.post("/console/admin/tokens/\(id)/revoke", [])
            #expect(try await world.staff.moe(forToken: token) == nil)
            try await admin.post("/console/admin/organisations/\(organisation.id)/revoke", [])
            #expect(try await world.organisations.authenticate(key: key) == nil)
            #expect(try await member.get("/console/").body.contains("Sign in"), "a revoked organisation's members are signed out")

            // A forged form changes nothing.
            #expect(try await admin.post("/console/admin/users/nomsa/disable", [], csrf: "forged").status == .forbidden)

            let audit = try await world.staff.auditEntries(scope: nil, limit: 50, offset: 0).filter { $0.actor == "root" }.map(\.action.rawValue)
            for action in ["organisation added", "user added", "user changed", "password reset", "user disabled", "token added", "token revoked",
                           "organisation revoked"] {
                #expect(audit.contains(action), "\(action) audited under the admin's name")
            }
            #expect(!(try await world.staff.auditEntries(scope: nil, limit: 50, offset: 0)).contains { ($0.detail ?? "").contains(key) || ($0.detail ?? "").contains(token) },
                    "no key or token in the audit log")
        }
    }

    @Test func brokenAndHostileUploadsGetAClearAnswerAndNever5xx() async throws {
        let world = try TestGateway()
        _ = try await Self.organisation(world, "Ward 12 committee", member: "nomsa")
        var security = WebSecurity()
        security.limits.bulk = .init(burst: 1e9, perMinute: 1e9)
        try await makeApp(world, security: security).test(.router) { client in
            let nomsa = ConsoleBrowser(client)
            try await nomsa.signIn("nomsa", TestGateway.password)
            try await nomsa.get("/console/uploads")
            let cookie = nomsa.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let csrf = try #require(nomsa.csrf)
            var draws = SeededGenerator(state: 5)
            let pieces = ["--b\r\n", "--b--\r\n", "Content-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n", "\r\n\r\n",
                          "Content-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n", "external_id,service_code\r\n", "\u{0}\u{FF}",
                          "\"", ";", "name=", "filename=\"../../etc/passwd\"", String(repeating: "x", count: 3000), "\r\n--b"]
            for i in 0..<400 {
                let body = (0..<Int(draws.next() % 12)).map { _ in pieces[Int(draws.next() % UInt64(pieces.count))] }.joined()
                let type = ["multipart/form-data; boundary=b", "multipart/form-data", "multipart/form-data; boundary=\"\"", "text/csv",
                            "multipart/form-data; boundary=\(String(repeating: "b", count: 80))"][i % 5]
                let r = try await client.execute(uri: "/console/uploads", method: .post, headers: [.cookie: cookie, .contentType: type],
                                                 body: ByteBuffer(string: body))
                #expect(r.status.code < 500, "\(r.status) for \(body.debugDescription)")
            }
            // A well-formed form whose file part is missing: told to choose a file.
            let noFile = "--b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n--b--\r\n"
            let r = try await client.execute(uri: "/console/uploads", method: .post, headers: [.cookie: cookie, .contentType: "multipart/form-data; boundary=b"],
                                             body: ByteBuffer(string: noFile))
            #expect(r.status == .unprocessableContent && String(buffer: r.body).contains("Choose a CSV file"))
        }
    }

    @Test func multipartAndSpreadsheetReadingIsExact() throws {
        let body = Array("preamble\r\n--xyz\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"C:\\walk.csv\"\r\nContent-Type: text/csv\r\n\r\na,b\r\n--xy\r\n--xyz--\r\n".utf8)
        let form = try #require(MultipartForm(body, boundary: "xyz"))
        #expect(form.value("csrf") == "abc")
        #expect(form.file("file").map { String(decoding: $0.body, as: UTF8.self) } == "a,b\r\n--xy", "a near-boundary inside the file is data")
        #expect(UploadTemplate.displayName(form.file("file")?.filename ?? "") == "walk.csv")
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; boundary=\"xyz\"") == "xyz")
        #expect(MultipartForm.boundary(contentType: "text/csv; boundary=xyz") == nil)
        #expect(MultipartForm(Array("--xyz\r\nno headers end".utf8), boundary: "xyz") == nil)

        // A semicolon inside a quoted header cell does not make the file semicolon-separated.
        let commas = try SpreadsheetCSV.table(Array("a,\"b;c\",d\n1,2,3\n".utf8))
        #expect(commas.header == ["a", "b;c", "d"] && commas.records.first?.fields == ["1", "2", "3"])
        let semicolons = try SpreadsheetCSV.table(Array("a;b;c\r\n1,5;2;\"x;y\"\r\n".utf8))
        #expect(semicolons.records.first?.fields == ["1,5", "2", "x;y"])
        let cp1252 = try SpreadsheetCSV.table([0x61, 0x0A, 0x80, 0x96, 0xE9, 0x81])
        #expect(cp1252.records.first?.fields == ["€–é\u{FFFD}"])
    }
}
