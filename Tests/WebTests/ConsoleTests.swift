import Domain
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import Store
import TestSupport
@testable import Web
import Testing

/// The dispatcher console through the real app: sign-in, sessions, CSRF, per-MOE isolation and
/// every ticket action's history, audit entry and SMS.
@Suite struct ConsoleTests {
    let password = TestGateway.password

    @Test func theEntryPointIsTheSignInPageAndASessionCookieIsStrict() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        try await makeApp(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            let signIn = try await browser.get("/console/")
            #expect(signIn.status == .ok)
            #expect(signIn.body.contains(#"name="password""#) && signIn.body.contains(#"type="password""#))
            #expect(signIn.contentType?.hasPrefix("text/html") == true)

            let wrong = try await browser.post("/console/sign-in", [("username", "thandi"), ("password", "not it")])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body.contains("Wrong username or password"))
            #expect(browser.cookies["cg_session"] == nil)

            let right = try await browser.signIn("thandi", password)
            #expect(right.status == .seeOther)
            #expect(right.location == "/console/")
            let cookie = try #require(right.setCookies.first { $0.hasPrefix("cg_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/console"))
            #expect(!cookie.contains("Max-Age") && !cookie.contains("Expires"))

            let queue = try await browser.get("/console/")
            #expect(queue.body.contains("Water &amp; Sanitation: queue"))
            #expect(queue.body.contains("thandi"))

            let out = try await browser.post("/console/sign-out", [])
            #expect(out.status == .seeOther)
            #expect(browser.cookies["cg_session"] == nil)
            #expect(try await browser.get("/console/").body.contains(#"name="password""#))
        }
    }

    @Test func repeatedFailuresSlowTheNextTryDownWithoutLockingTheAccount() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        try await makeApp(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            // Four mistakes are answered at once; from then on each failure makes the next try
            // wait, twice as long each time.
            for attempt in 1...4 {
                try await browser.get("/console/")
                let r = try await browser.post("/console/sign-in", [("username", "thandi"), ("password", "guess \(attempt)")])
                #expect(r.status == .unauthorized, "attempt \(attempt)")
            }
            var waits: [Int] = []
            for attempt in 5...7 {
                let early = try await browser.signIn("thandi", password)
                #expect(early.status == .tooManyRequests)
                #expect(early.body.contains("Too many failed sign-ins"))
                #expect(browser.cookies["cg_session"] == nil)
                waits.append(try #require(early.headers[.retryAfter].flatMap { Int($0) }))
                world.clock.advance(Double(waits.last!))
                try await browser.get("/console/")
                let r = try await browser.post("/console/sign-in", [("username", "thandi"), ("password", "guess \(attempt)")])
                #expect(r.status == .unauthorized, "attempt \(attempt)")
            }
            #expect(waits == [5, 10, 20], "the wait doubles: \(waits)")
            world.clock.advance(40)
            // Never a lock: once the wait is over, the right password gets in.
            try await browser.get("/console/")
            #expect(try await browser.signIn("thandi", password).status == .seeOther)
        }
        let audit = try await world.staff.auditEntries(scope: nil, limit: 50, offset: 0).map(\.action.rawValue)
        #expect(audit.filter { $0 == "sign-in refused" }.count == 7)
        #expect(!audit.contains("account locked"))
    }

    @Test func anIdleSessionEnds() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        try await makeApp(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn("thandi", password)
            world.clock.advance(20 * 60)
            #expect(try await browser.get("/console/").body.contains("Water &amp; Sanitation: queue"))
            world.clock.advance(20 * 60)  // 20 minutes since it was last used: still alive
            #expect(try await browser.get("/console/").body.contains("Water &amp; Sanitation: queue"))
            world.clock.advance(31 * 60)
            #expect(try await browser.get("/console/").body.contains(#"name="password""#))
        }
    }

    @Test func aFormWithoutTheSessionsCSRFTokenChangesNothing() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        let reference = try await world.report("water", "burst_pipe")
        try await makeApp(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn("thandi", password)
            try await browser.get("/console/tickets/\(reference.digits)")
            let forged = try await browser.post("/console/tickets/\(reference.digits)/acknowledge", [], csrf: "forged")
            #expect(forged.status == .forbidden)
            let missing = try await browser.post("/console/tickets/\(reference.digits)/status",
                                                 [("status", "resolved"), ("message", "done"), ("visibility", "public")], csrf: "")
            #expect(missing.status == .forbidden)
            // The sign-in form carries its own token (a cookie and a field that must match).
            let anonymous = ConsoleBrowser(client)
            #expect(try await anonymous.post("/console/sign-in", [("username", "thandi"), ("password", password)], csrf: "x").status == .forbidden)
        }
        #expect(try await world.tickets.publicTicket(reference)?.status == .new)
        #expect(try await world.tickets.history(of: reference).map(\.kind) == ["created"])
        #expect(try await world.staff.auditLog(of: reference).isEmpty)
        #expect(try await world.sms(to: "+27821234567").count == 1)  // the confirmation only
    }

    @Test func anotherMOEsTicketIsNotFoundInPagesActionsExportAndAPI() async throws {
        let world = try TestGateway()
        try await world.user("sipho", moe: "electricity")
        try await world.user("admin", moe: "municipal", role: .admin)
        let water = try await world.report("water", "burst_pipe", description: "Water everywhere")
        let power = try await world.report("electricity", "outage", reporter: "+27831112222")
        let token = try await world.staff.addToken(moe: "electricity", at: world.clock.now())
        try await makeApp(world).test(.router) { client in
            let sipho = ConsoleBrowser(client)
            try await sipho.signIn("sipho", password)
            let queue = try await sipho.get("/console/?status=all")
            #expect(queue.body.contains(power.grouped) && !queue.body.contains(water.grouped))
            #expect(try await sipho.get("/console/tickets/\(water.digits)").status == .notFound)
            #expect(try await sipho.post("/console/tickets/\(water.digits)/acknowledge", []).status == .notFound)
            #expect(try await sipho.post("/console/tickets/\(water.digits)/show-number", []).status == .notFound)
            // A form with a mistake on another MOE's ticket is still only a 404, not an error about the form.
            #expect(try await sipho.post("/console/tickets/\(water.digits)/assign", [("assignee", "")]).status == .notFound)
            #expect(try await sipho.post("/console/bulk", [("action", "acknowledge"), ("ref", water.digits)]).status == .seeOther)
            let csv = try await sipho.get("/console/export.csv?status=all")
            #expect(csv.status == .ok && csv.contentType?.hasPrefix("text/csv") == true)
            #expect(csv.body.contains(power.digits) && !csv.body.contains(water.digits))
            #expect(try await sipho.get("/console/audit").status == .notFound)
            let api = try await client.execute(uri: "/api/v1/tickets/\(water.digits)", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(api.status == .notFound)

            let admin = ConsoleBrowser(client)
            try await admin.signIn("admin", password)
            let all = try await admin.get("/console/")
            #expect(all.body.contains(power.grouped) && all.body.contains(water.grouped))
            #expect(try await admin.get("/console/tickets/\(water.digits)").body.contains("Water everywhere"))
            let audit = try await admin.get("/console/audit")
            #expect(audit.status == .ok && audit.body.contains("signed in") && audit.body.contains("sipho"))
        }
        #expect(try await world.tickets.publicTicket(water)?.status == .new)
    }

    @Test func aSupervisorReadsTheAuditLogOfTheirOwnMOEOnly() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        try await world.user("boss", moe: "water", role: .supervisor)
        try await world.user("sipho", moe: "electricity")
        let water = try await world.report("water", "leak")
        let power = try await world.report("electricity", "outage")
        try await makeApp(world).test(.router) { client in
            let thandi = ConsoleBrowser(client)
            try await thandi.signIn("thandi", password)
            try await thandi.get("/console/tickets/\(water.digits)")
            try await thandi.post("/console/tickets/\(water.digits)/acknowledge", [])
            #expect(!(try await thandi.get("/console/").body.contains("/console/audit")))
            let sipho = ConsoleBrowser(client)
            try await sipho.signIn("sipho", password)
            try await sipho.get("/console/tickets/\(power.digits)")
            try await sipho.post("/console/tickets/\(power.digits)/acknowledge", [])

            let boss = ConsoleBrowser(client)
            try await boss.signIn("boss", password)
            let audit = try await boss.get("/console/audit")
            #expect(audit.status == .ok)
            #expect(audit.body.contains(water.grouped) && audit.body.contains("thandi"))
            #expect(!audit.body.contains(power.grouped) && !audit.body.contains("sipho"))
        }
    }

    @Test func everyActionWritesHistoryAuditAndTheRightSMS() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        let reporter = "+27821234567"
        let reference = try await world.report("water", "burst_pipe", reporter: reporter)
        let page = "/console/tickets/\(reference.digits)"
        try await makeApp(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn("thandi", password)
            try await browser.get(page)
            #expect(try await browser.post("\(page)/acknowledge", []).location == "\(page)?done=acknowledge")
            #expect(try await browser.post("\(page)/assign", [("assignee", "Crew 7 (Soweto)")]).status == .seeOther)
            #expect(try await browser.post("\(page)/status", [("status", "in_progress"), ("message", "Crew on site"), ("visibility", "public")]).status == .seeOther)
            #expect(try await browser.post("\(page)/status", [("status", "in_progress"), ("message", "valve part ordered"), ("visibility", "internal")]).status == .seeOther)
            // Scheduling needs a date; a public update needs words.
            let undated = try await browser.post("\(page)/status", [("status", "scheduled"), ("message", "Monday"), ("visibility", "public")])
            #expect(undated.status == .conflict && undated.body.contains("expected date"))
            let silent = try await browser.post("\(page)/status", [("status", "resolved"), ("message", " "), ("visibility", "public")])
            #expect(silent.status == .unprocessableContent)
            #expect(try await browser.post("\(page)/status", [("status", "scheduled"), ("expected", "2026-12-01"), ("message", "Booked for Tuesday"),
                                                              ("visibility", "public")]).status == .seeOther)
            #expect(try await browser.post("\(page)/status", [("status", "resolved"), ("message", "Pipe replaced"), ("visibility", "public")]).status == .seeOther)
            #expect(try await browser.post("\(page)/status", [("status", "closed"), ("message", ""), ("visibility", "internal")]).status == .seeOther)

            let open311 = String(buffer: try await client.execute(uri: "/open311/v2/requests/\(reference.digits).json", method: .get).body)
            #expect(open311.contains(#""expected_datetime":"2026-12-01"#))
            let shown = try await browser.get("\(page)?done=status").body
            #expect(shown.contains("Status saved."))
            #expect(shown.contains("Crew 7 (Soweto)"))
            #expect(shown.contains("valve part ordered") && shown.contains("Pipe replaced"))
        }
        #expect(try await world.tickets.history(of: reference).map(\.kind) == ["created", "status", "assigned", "status", "status", "status", "status", "status"])
        #expect(try await world.staff.auditLog(of: reference).map(\.action.rawValue) == [
            "acknowledge", "assign", "status in_progress", "status in_progress", "status scheduled", "status resolved", "status closed",
        ])
        #expect(try await world.staff.auditLog(of: reference).allSatisfy { $0.actor == "thandi" })
        let sms = try await world.sms(to: reporter).dropFirst()  // after the confirmation
        #expect(Array(sms) == [
            "Ref \(reference.grouped): Acknowledged.", "Ref \(reference.grouped): Assigned.", "Ref \(reference.grouped): In progress. Crew on site",
            "Ref \(reference.grouped): Scheduled. Booked for Tuesday", "Ref \(reference.grouped): Resolved. Pipe replaced",
        ])
        let track = try #require(try await world.tickets.publicTicket(reference))
        #expect(track.status == .closed)
        #expect(track.lastPublicUpdate == "Pipe replaced")
        let expected = track.expectedAt.map { ISO8601DateFormatter.string(from: $0, timeZone: .gmt, formatOptions: [.withFullDate]) }
        #expect(expected == "2026-12-01")
    }

    @Test func showingTheNumberIsAuditedAndTheNumberIsOtherwiseMasked() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        let reference = try await world.report("water", "leak", reporter: "+27821234567")
        try await makeApp(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn("thandi", password)
            let page = try await browser.get("/console/tickets/\(reference.digits)")
            #expect(page.body.contains("+27 82 *** 4567"))
            #expect(!page.body.contains("821234567"))
            #expect(!(try await browser.get("/console/").body.contains("4567")))
            #expect(!(try await browser.get("/console/export.csv").body.contains("4567")))
            let shown = try await browser.post("/console/tickets/\(reference.digits)/show-number", [])
            #expect(shown.status == .ok && shown.body.contains("+27821234567"))
        }
        let audit = try await world.staff.auditLog(of: reference)
        #expect(audit.map(\.action.rawValue) == ["show number"])
        #expect(audit.first?.actor == "thandi")
    }

    @Test func aDuplicateMergesItsReportersIntoTheOriginal() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        let first = try await world.report("water", "burst_pipe", reporter: "+27821110001")
        let second = try await world.report("water", "burst_pipe", reporter: "+27821110002", language: "zu")
        let third = try await world.report("water", "burst_pipe", reporter: "+27821110003")
        try await makeApp(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn("thandi", password)
            try await browser.get("/console/tickets/\(third.digits)")
            // The third duplicates the second, which then duplicates the first: all three are one fault.
            #expect(try await browser.post("/console/tickets/\(third.digits)/duplicate", [("master", second.grouped)]).status == .seeOther)
            #expect(try await browser.post("/console/tickets/\(second.digits)/duplicate", [("master", first.digits)]).status == .seeOther)
            let itself = try await browser.post("/console/tickets/\(first.digits)/duplicate", [("master", first.digits)])
            #expect(itself.status == .conflict)
            let page = try await browser.get("/console/tickets/\(first.digits)").body
            #expect(page.contains(second.grouped) && page.contains(third.grouped))
            #expect(page.contains("SMS to 3 reporter(s)"))
            #expect(try await browser.post("/console/tickets/\(first.digits)/status", [("status", "resolved"), ("message", "Pipe replaced"),
                                                                                        ("visibility", "public")]).status == .seeOther)
            #expect(try await browser.get("/console/tickets/\(second.digits)").body.contains("Duplicate of"))
        }
        #expect(try await world.sms(to: "+27821110001").last == "Ref \(first.grouped): Resolved. Pipe replaced")
        #expect(try await world.sms(to: "+27821110003").last == "Ref \(third.grouped): Resolved. Pipe replaced")
        let zulu = try await world.sms(to: "+27821110002")
        #expect(zulu.last?.hasPrefix("Inombolo \(second.grouped)") == true)
        #expect(zulu.last?.contains("Pipe replaced") == true)
        #expect(zulu.contains { $0 == "Inombolo \(second.grouped): yinkinga efanayo nenombolo \(first.grouped). Uzothola izindaba zayo." },
                "the merge is told in the reporter's language: \(zulu)")
        #expect(try await world.tickets.publicTicket(second)?.status == .duplicate)
        #expect(try await world.staff.file(third, scope: "water")?.ticket.duplicateOf == first.digits)
        #expect(try await world.staff.auditLog(of: second).map(\.action.rawValue) == ["mark duplicate"])
    }

    @Test func reRoutingHandsTheTicketToTheOtherMOEWithTheReason() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        try await world.user("lerato", moe: "roads")
        let reference = try await world.report("water", "leak", description: "Water running down the road from a storm drain")
        try await makeApp(world).test(.router) { client in
            let thandi = ConsoleBrowser(client)
            try await thandi.signIn("thandi", password)
            try await thandi.get("/console/tickets/\(reference.digits)")
            let noReason = try await thandi.post("/console/tickets/\(reference.digits)/reroute", [("queue", "stormwater"), ("reason", "")])
            #expect(noReason.status == .unprocessableContent)
            #expect(try await thandi.post("/console/tickets/\(reference.digits)/reroute",
                                          [("queue", "stormwater"), ("reason", "Blocked stormwater drain, not a water main")]).status == .seeOther)
            #expect(try await thandi.get("/console/tickets/\(reference.digits)").status == .notFound)

            let lerato = ConsoleBrowser(client)
            try await lerato.signIn("lerato", password)
            #expect(try await lerato.get("/console/?status=new").body.contains(reference.grouped))
            let page = try await lerato.get("/console/tickets/\(reference.digits)").body
            #expect(page.contains("Blocked stormwater drain, not a water main"))
            #expect(page.contains("stormwater"))
        }
        #expect(try await world.tickets.destination(of: reference) == Destination(moe: "roads", queue: "stormwater"))
        #expect(try await world.tickets.history(of: reference).last?.note?.contains("Blocked stormwater drain") == true)
        #expect(try await world.staff.auditLog(of: reference).map(\.action.rawValue) == ["reroute"])
    }

    @Test func aDescriptionWithScriptIsShownAsText() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        let reference = try await world.report("water", "leak", address: "\"><img src=x onerror=alert(1)>",
                                               description: "<script>alert('x')</script> & more")
        try await makeApp(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn("thandi", password)
            let page = try await browser.get("/console/tickets/\(reference.digits)")
            #expect(page.body.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"))
            #expect(!page.body.contains("<script"))
            #expect(!page.body.contains("<img"))
            #expect(page.body.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
            let csv = try await browser.get("/console/export.csv").body
            #expect(csv.contains("\"\"\"><img src=x onerror=alert(1)>\""))
        }
    }

    @Test func theQueueFiltersSortsPagesCountsAndExports() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        var made: [Reference] = []
        for i in 0..<55 {
            // Normal faults only: urgent ones come first (urgentTicketsComeFirstWithinTheirStatus).
            made.append(try await world.report("water", i % 5 == 0 ? "leak" : "no_water", area: i % 2 == 0 ? "soweto" : "alexandra",
                                                     address: i == 0 ? "=HYPERLINK(\"http://x\")" : "Street \(i)", reporter: nil))
            world.clock.advance(60)
        }
        try await world.report("electricity", "outage")
        let references = made
        try await makeApp(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn("thandi", password)
            let first = try await browser.get("/console/").body
            #expect(first.contains("Page 1 of 2 · 55 tickets"))
            #expect(first.contains(references[0].grouped) && !first.contains(references[54].grouped))
            #expect(first.contains(#"<a href="/console/?page=2" rel="next">"#))
            let newest = try await browser.get("/console/?sort=newest").body
            #expect(newest.contains(references[54].grouped) && !newest.contains(references[0].grouped))
            let alexandra = try await browser.get("/console/?area=alexandra").body
            #expect(alexandra.contains("27 tickets") && !alexandra.contains(references[0].grouped))
            #expect(try await browser.get("/console/?service=water&status=new").body.contains("55 tickets"))

            let acknowledged = try await browser.post("/console/bulk", [("action", "acknowledge"), ("ref", references[0].digits),
                                                                         ("ref", references[1].digits), ("back", "?status=new")])
            #expect(acknowledged.location == "/console/?status=new&done=bulk-2")
            let elsewhere = try await browser.post("/console/bulk", [("action", "acknowledge"), ("back", "?x=1\r\nLocation: //evil.example")])
            #expect(elsewhere.location == "/console/?done=bulk-0")
            let assigned = try await browser.post("/console/bulk", [("action", "assign"), ("assignee", "Crew 2"), ("ref", references[2].digits)])
            #expect(assigned.location == "/console/?done=bulk-1")
            let counts = try await browser.get("/console/?status=acknowledged").body
            #expect(counts.contains("Acknowledged <b>2</b>") && counts.contains("Assigned <b>1</b>") && counts.contains("New <b>52</b>"))
            #expect(counts.contains("2 tickets"))

            #expect(try await browser.get("/console/?overdue=1").body.contains("0 tickets"))
            world.clock.advance(49 * 3600)  // past water's 48-hour SLA (and the session's idle time)
            try await browser.signIn("thandi", password)
            let overdue = try await browser.get("/console/?overdue=1").body
            #expect(overdue.contains("55 tickets") && overdue.contains("overdue"))

            let csv = try await browser.get("/console/export.csv?area=alexandra").body
            let lines = csv.split(separator: "\r\n")
            #expect(lines.first?.hasPrefix("reference,moe,queue,service,fault,area,address,description,status") == true)
            #expect(lines.count == 28)
            let all = try await browser.get("/console/export.csv").body
            #expect(all.split(separator: "\r\n").count == 56)
            #expect(all.contains("'=HYPERLINK(\"\"http://x\"\")"))
        }
        #expect(try await world.staff.auditLog(of: references[2]).map(\.detail) == ["to Crew 2"])
    }
}

/// The monitoring dashboard: every chart as SVG with its table, the user's own MOE only, CSV.
@Suite struct DashboardTests {
    @Test func aDispatcherSeesTheirMOEsFiguresAsChartsWithTablesAndCanDownloadThem() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        try await world.user("admin", moe: "municipal", role: .admin)
        let pipe = try await world.report("water", "burst_pipe")
        _ = try await world.report("water", "leak", area: "alexandra")
        _ = try await world.report("electricity", "outage")
        world.clock.advance(1800)
        _ = try await world.staff.perform(.acknowledge, on: pipe, scope: "water", actor: "thandi", at: world.clock.now(),
                                          notice: world.gateway.engine.noticeWording)
        try await makeApp(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            _ = try await browser.signIn("thandi", TestGateway.password)
            let page = try await browser.get("/console/dashboard?moe=electricity")
            #expect(page.status == .ok)
            #expect(page.body.contains("Water &amp; Sanitation: dashboard"), "the moe parameter is ignored for a dispatcher")
            #expect(page.body.components(separatedBy: "<svg").count == 5, "four charts")
            #expect(page.body.contains("<table class=\"figures\">"))
            #expect(page.body.contains(": 2</title>") && page.body.contains("Open311: 2"))
            #expect(page.body.contains(#"<tr class="total"><th scope="row">All services</th><td>2</td><td>1</td>"#), "two received, one acknowledged")
            #expect(!page.body.contains("Electricity</th>"))
            #expect(!page.body.contains("<script"))
            #expect(page.body.contains(#"<tr><th scope="row">today</th><td>2</td></tr>"#), "two open water tickets, both new")
            let today = world.gateway.engine.settings.calendar.day(world.clock.now())
            #expect(page.body.contains(#"<tr><th scope="row">\#(today)</th><td>2</td></tr>"#), "the backlog at the end of today")
            #expect(page.body.contains("<polyline points=\""))
            #expect(page.body.contains(#"<tr><th scope="row">Alexandra</th><td>1</td>"#) && page.body.contains(#"<tr><th scope="row">Soweto</th><td>1</td>"#))
            #expect(!page.body.contains("By MOE"), "a dispatcher sees their own MOE only")
            let onlyAlexandra = try await browser.get("/console/dashboard?area=alexandra")
            #expect(onlyAlexandra.body.contains(#"<tr class="total"><th scope="row">All services</th><td>1</td><td>0</td>"#))

            let csv = try await browser.get("/console/dashboard.csv")
            #expect(csv.status == .ok && csv.contentType?.hasPrefix("text/csv") == true)
            let lines = csv.body.split(separator: "\r\n").map(String.init)
            #expect(lines.first?.hasPrefix("service,received,acknowledged,resolved") == true)
            #expect(lines.last?.hasPrefix("All services,2,1,0,0,0.50") == true, "\(lines)")
            _ = try await browser.post("/console/sign-out", [])

            _ = try await browser.signIn("admin", TestGateway.password)
            let all = try await browser.get("/console/dashboard")
            #expect(all.body.contains("All MOEs: dashboard") && all.body.contains(#"<tr class="total"><th scope="row">All services</th><td>3</td>"#))
            #expect(all.body.contains("By MOE") && all.body.contains(#"<tr><th scope="row">today</th><td>3</td></tr>"#))
            let power = try await browser.get("/console/dashboard?moe=electricity")
            #expect(power.body.contains(#"<tr class="total"><th scope="row">All services</th><td>1</td>"#))
        }
    }
}

/// Open incidents head the queue and the dashboard of their MOE, escaped, and leave when closed.
@Suite struct ConsoleIncidentTests {
    @Test func anMOEsOpenIncidentsAreShownToItsStaffOnly() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        try await world.user("lerato", moe: "electricity")
        try await world.user("admin", moe: "municipal", role: .admin)
        let draft = IncidentDraft(service: "electricity", faults: ["outage"], areas: ["soweto", "kliptown"],
                                  description: "Substation <b>tripped</b>", expectedAt: world.clock.now().addingTimeInterval(3 * 3600))
        let incident = try await world.staff.declare(draft, moe: "electricity", actor: "api:electricity", address: nil, at: world.clock.now())
        try await makeApp(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            _ = try await browser.signIn("lerato", TestGateway.password)
            let queue = try await browser.get("/console/").body
            #expect(queue.contains("Open incidents") && queue.contains("Substation &lt;b&gt;tripped&lt;/b&gt;") && !queue.contains("<b>tripped"))
            #expect(queue.contains("in Soweto, Kliptown") && queue.contains("Expected back"))
            #expect(try await browser.get("/console/dashboard").body.contains("Substation &lt;b&gt;tripped"))
            _ = try await browser.post("/console/sign-out", [])
            _ = try await browser.signIn("thandi", TestGateway.password)
            #expect(!(try await browser.get("/console/").body.contains("Open incidents")), "another MOE's incident is not shown")
            _ = try await browser.post("/console/sign-out", [])
            _ = try await browser.signIn("admin", TestGateway.password)
            #expect(try await browser.get("/console/").body.contains("Substation &lt;b&gt;tripped"))
            _ = try await world.staff.changeIncident(incident.id, moe: "electricity", IncidentDraft(description: "Restored"), closing: true, broadcast: nil,
                                                     actor: "api:electricity", address: nil, at: world.clock.now())
            #expect(!(try await browser.get("/console/").body.contains("Open incidents")), "closed: gone")
        }
    }

    @Test func aDispatcherDeclaresLinksUnlinksUpdatesAndClosesAnIncidentInTheConsole() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        try await world.user("lerato", moe: "electricity")
        // A leak in Soweto reported before anything is declared, and one in Alexandra.
        @Sendable func call(_ phone: Phone, _ inputs: [String]) async -> UssdReply {
            var reply = await phone.dial()
            for input in inputs { reply = await phone.send(input) }
            return reply
        }
        let early = Phone("+27821110001", gateway: world.gateway)
        _ = await call(early, ["1", "1", "1", "3", "1", "5 Main Rd", "1"])
        try await makeApp(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            _ = try await browser.signIn("thandi", TestGateway.password)
            let form = try await browser.get("/console/incidents").body
            #expect(form.contains("Declare an incident") && form.contains("Water: Burst pipe") && !form.contains("Electricity"), "only her services")
            let refused = try await browser.post("/console/incidents", [("service", "water"), ("description", "Main burst")])
            #expect(refused.status == .unprocessableContent && refused.body.contains("Areas is required"))
            let badTime = try await browser.post("/console/incidents", [("service", "water"), ("area", "soweto"), ("description", "x"), ("expected", "tonight")])
            #expect(badTime.status == .unprocessableContent && badTime.body.contains("The expected time must be"))
            let other = try await browser.post("/console/incidents", [("service", "electricity"), ("area", "soweto"), ("description", "x")])
            #expect(other.status == .unprocessableContent && other.body.contains("Choose one of your services"))
            let declared = try await browser.post("/console/incidents", [("service", "water"), ("area", "soweto"), ("description", "Main <burst> in Soweto"),
                                                                         ("expected", "2026-12-01T18:00")])
            #expect(declared.status == .seeOther)
            let address = try #require(declared.location).split(separator: "?").first.map(String.init) ?? ""
            var page = try await browser.get(address).body
            #expect(page.contains("Main &lt;burst&gt; in Soweto") && page.contains("1 Dec 2026 18:00") && page.contains("No tickets are linked yet"))

            // The earlier leak is linked by a selection; a new report in Soweto is linked as it is made.
            #expect(try await browser.post(address + "/link", [("since", "last week")]).status == .unprocessableContent)
            #expect(try await browser.post(address + "/link", [("fault", "leak")]).location?.hasSuffix("done=linked-1") == true)
            let later = Phone("+27821110002", gateway: world.gateway)
            let told = await call(later, ["1", "1", "1", "1", "1"])
            #expect(told.text.contains("Known Water fault in Soweto. Expected fixed: 2026-12-01 18:00"))
            for input in ["2", "9 Side St", "1"] { _ = await later.send(input) }
            page = try await browser.get(address).body
            #expect(page.contains("Residents waiting for the SMS</dt><dd>0") && page.contains("Linked tickets</dt><dd>2"))
            let queue = try await browser.get("/console/?status=all&incident=\(address.split(separator: "/").last!)").body
            #expect(queue.components(separatedBy: "class=\"incident\"").count - 1 == 2, "the queue shows the linked tickets together")
            let reference = try #require(page.range(of: #"name="ref" value="(\d{9})""#, options: .regularExpression).map { String(page[$0].suffix(10).prefix(9)) })
            #expect(try await browser.post(address + "/unlink", [("ref", reference)]).location?.hasSuffix("done=unlinked") == true)
            #expect(try await browser.post(address + "/unlink", [("ref", reference)]).status == .unprocessableContent)
            #expect(try await browser.get(address).body.contains("Linked tickets</dt><dd>1"))

            // Another MOE's staff cannot see or change it; a form without the token changes nothing.
            #expect(try await browser.post(address + "/close", [("description", "x")], csrf: "forged").status == .forbidden)
            #expect(try await browser.get(address).body.contains("Close the incident"), "still open")
            _ = try await browser.post("/console/sign-out", [])
            _ = try await browser.signIn("lerato", TestGateway.password)
            #expect(try await browser.get(address).status == .notFound)
            #expect(try await browser.post(address + "/close", [("description", "x")]).status == .notFound)
            _ = try await browser.post("/console/sign-out", [])
            _ = try await browser.signIn("thandi", TestGateway.password)
            _ = try await browser.get(address)

            let empty = try await browser.post(address + "/update", [])
            #expect(empty.status == .unprocessableContent, "\(empty.status) \(empty.body)")
            #expect(try await browser.post(address + "/update", [("description", "Crews on site"), ("area", "alexandra")]).status == .seeOther)
            #expect(try await browser.post(address + "/close", [("description", "Water is back")]).status == .seeOther)
            page = try await browser.get(address).body
            #expect(page.contains("Closed") && page.contains("Soweto, Alexandra") && !page.contains("Close the incident"))
            #expect(page.contains("closed by thandi: Water is back") && page.contains("updated by thandi: Crews on site"))
            #expect(try await browser.post(address + "/update", [("description", "again")]).status == .conflict)
            // The dashboard counts it: declared, none open, no resident attached, one ticket linked.
            let dashboard = try await browser.get("/console/dashboard").body
            #expect(dashboard.contains("Incidents declared in the period") && dashboard.contains("<tr><td>1</td><td>0</td><td>0</td>\n      <td>1</td>"))
        }
        // The reporter still linked (the earlier leak) heard the update and the closing, once each; the unlinked one nothing.
        let heard = try await world.tickets.outbox(for: MSISDN("+27821110001")!).map(\.body).filter { $0.contains("Water fault") }
        #expect(heard.count == 2 && heard.last == "Water fault in Soweto, Alexandra is fixed: Water is back", "\(heard)")
        #expect(try await world.tickets.outbox(for: MSISDN("+27821110002")!).map(\.body).allSatisfy { !$0.contains("Water fault") })
    }
}

/// The console's templates are files: none carries a script, and only the layout's `{{{body}}}`
/// (itself a rendered, escaped page) skips HTML escaping.
@Suite struct ConsoleTemplateFileTests {
    @Test func noTemplateHasAScriptOrAnUnescapedValue() throws {
        let folder = repositoryRoot.appendingPathComponent("Sources/Web/Console/Templates")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".mustache") }.sorted()
        #expect(files == ["admin-organisations.mustache", "admin-tokens.mustache", "admin-users.mustache", "admin-webhook.mustache", "admin-webhooks.mustache", "admin.mustache", "audit.mustache", "crews.mustache", "dashboard.mustache",
                          "incident-list.mustache", "incident.mustache", "incidents.mustache", "layout.mustache", "message.mustache",
                          "org-report.mustache", "org-reports.mustache", "queue.mustache", "signin.mustache", "ticket.mustache", "upload.mustache",
                          "uploads.mustache"])
        #expect(Set(files.map { String($0.dropLast(".mustache".count)) }) == Set(ConsoleTemplates.names), "every file registered")
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.lowercased().contains("<script"), "\(file)")
            #expect(!text.contains("{{&"), "\(file)")
            let triples = text.components(separatedBy: "{{{").count - 1
            #expect(triples == (file == "layout.mustache" ? 1 : 0), "\(file) has \(triples) unescaped values")
            #expect(text.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil, "\(file): an inline event handler")
        }
    }
}
