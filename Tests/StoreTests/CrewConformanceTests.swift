import Domain
import FlowEngine
import Foundation
import Gateway
import TestSupport
import Testing

/// Field crews on both stores: the roster, giving a ticket to a crew (job card), and the crew's
/// reports from the site by SMS and USSD, each through the ticket rules.
@Suite struct CrewConformanceTests {
    static let password = "correct horse battery"

    @Test(arguments: StoreKind.available)
    func aCrewIsAddedListedAndRemovedAndItsOpenJobsGoBackToTheQueue(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let desk = w.crews
            let added = try await desk.add(name: "Pipe Team A", moe: "water", phones: ["0825550001", "082 555 0002"], language: "zu", actor: "tester")
            let crew = try added.get()
            #expect(crew.phones.map(\.e164) == ["+27825550001", "+27825550002"] && crew.language == "zu")
            // A name the MOE already uses (any case), a number already in a crew, a bad number or language: refused, nothing added.
            #expect(try await desk.add(name: "pipe team a", moe: "water", phones: ["0825550009"], language: nil, actor: "t") == .failure(.nameTaken("pipe team a")))
            #expect(try await desk.add(name: "Roads 1", moe: "roads", phones: ["0825550002"], language: nil, actor: "t")
                    == .failure(.numberTaken(MSISDN("0825550002")!, crew: "Pipe Team A")))
            #expect(try await desk.add(name: "Roads 1", moe: "roads", phones: ["12345"], language: nil, actor: "t") == .failure(.badPhone("12345")))
            #expect(try await desk.add(name: "Roads 1", moe: "roads", phones: ["0825550003"], language: "fr", actor: "t") == .failure(.unknownLanguage("fr")))
            #expect(try await desk.add(name: "Roads 1", moe: "nowhere", phones: ["0825550003"], language: nil, actor: "t") == .failure(.unknownMOE("nowhere")))
            #expect(try await desk.add(name: "<script>", moe: "roads", phones: ["0825550003"], language: nil, actor: "t") == .failure(.badName))
            // The same name in another MOE is another crew.
            _ = try await desk.add(name: "Pipe Team A", moe: "roads", phones: ["0825550003"], language: nil, actor: "t").get()
            #expect(try await desk.crews(moe: "water").map(\.name) == ["Pipe Team A"])
            #expect(try await desk.crews(moe: nil).count == 2)

            // Two jobs: one assigned, one on site; removing the crew puts both back in the queue, unassigned, and says so.
            let refs = try await w.tickets([("water.leak", "0821110001"), ("water.leak", "0821110002")])
            for r in refs { #expect(try await desk.assign(r, to: "Pipe Team A", scope: "water", actor: "tester", address: nil) == .done) }
            await w.crewText("0825550001", "NGIKHONA \(refs[1].digits)")
            #expect(try await w.staff.ticket(refs[1], moe: "water")?.status == .inProgress)
            let board = try await desk.board(moe: "water")
            #expect(board.map(\.openJobs) == [2])

            let released = try await desk.remove(name: "pipe team a", moe: "water", actor: "tester")
            #expect(released == refs)
            for r in refs {
                let t = try #require(try await w.staff.ticket(r, moe: "water"))
                #expect(t.status == .acknowledged && t.crew == nil && t.assignee == nil)
                #expect(try await w.staff.file(r, scope: "water")?.history.last?.kind == .crewReleased)
            }
            #expect(try await desk.crews(moe: "water").isEmpty)
            #expect(try await desk.remove(name: "Pipe Team A", moe: "water", actor: "tester") == nil)
            // Its numbers are free again.
            _ = try await desk.add(name: "Pipe Team B", moe: "water", phones: ["0825550001"], language: nil, actor: "t").get()
            let audit = try await w.staff.auditEntries(scope: nil, limit: 50, offset: 0).map(\.action)
            #expect(audit.contains(.crewAdded) && audit.contains(.crewRemoved))
        }
    }

    @Test(arguments: StoreKind.available)
    func assigningSendsEveryMemberAJobCardWithoutAResidentsNumber(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let crew = try await w.crews.add(name: "Pipe Team A", moe: "water", phones: ["0825550001", "0825550002"], language: "en", actor: "t").get()
            _ = try await w.crews.add(name: "Potholes", moe: "roads", phones: ["0825550003"], language: "en", actor: "t").get()
            // A resident reports by SMS with their own number in the text; another reports the same fault.
            await w.crewText("0821110001", "REPORT WATER burst pipe at 12 Vilakazi St, call me 082 111 0001")
            let ticket = try #require(try await w.staff.worklist(WorklistQuery(scope: "water"), now: w.now).tickets.first)
            let reference = try Reference(parsing: ticket.reference)

            // Another MOE's crew, or none of that name: no crew, nothing changes.
            #expect(try await w.crews.assign(reference, to: "Potholes", scope: "water", actor: "tester", address: nil) == .noSuchCrew("Potholes"))
            #expect(try await w.crews.assign(reference, to: "Nobody", scope: "water", actor: "tester", address: nil) == .noSuchCrew("Nobody"))
            #expect(try await w.crews.assign(reference, to: "Pipe Team A", scope: "roads", actor: "tester", address: nil) == .notFound)
            #expect(try await w.staff.ticket(reference, moe: "water")?.status == .new)

            #expect(try await w.crews.assign(reference, to: "pipe team a", scope: "water", actor: "tester", address: "10.0.0.9") == .done)
            let t = try #require(try await w.staff.ticket(reference, moe: "water"))
            #expect(t.status == .assigned && t.crew == "Pipe Team A" && t.assignee == "Pipe Team A")
            for phone in crew.phones {
                let card = try #require(try await w.organisations.outbox(phone).last)
                #expect(card.contains(reference.grouped) && card.contains("Vilakazi") && card.contains("Reports: 1"))
                #expect(card.contains("ONSITE \(reference.digits)") && card.contains("DONE \(reference.digits)") && card.contains("CANT \(reference.digits)"))
                #expect(!card.contains("111 0001") && !card.contains("1110001"))
            }
            // The resident hears it is assigned, not to whom.
            let told = try await w.organisations.outbox(MSISDN("0821110001")!)
            #expect(told.last?.contains("Pipe Team") == false && told.count == 2)
            // Audited, and assigning the same crew again is refused.
            let audit = try await w.staff.auditEntries(scope: "water", limit: 5, offset: 0).first
            #expect(audit?.action == .ticket(.assignCrew(id: 0, name: "")) && audit?.detail == "to crew Pipe Team A")
            #expect(try await w.crews.assign(reference, to: "Pipe Team A", scope: "water", actor: "tester", address: nil)
                    == .refused(TicketRefusal.sameCrew("Pipe Team A").description))
        }
    }

    @Test(arguments: StoreKind.available)
    func aCrewReportsFromTheSiteBySMSAndTheResidentsAreTold(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let (a, b) = (MSISDN("0825550001")!, MSISDN("0825550005")!)
            _ = try await w.crews.add(name: "Pipe Team A", moe: "water", phones: [a.e164], language: "en", actor: "t").get()
            _ = try await w.crews.add(name: "Pipe Team B", moe: "water", phones: [b.e164], language: "en", actor: "t").get()
            _ = try await w.staff.addUser(username: "sipho", password: Self.password, scope: .moe("water"), role: .supervisor, at: w.now)
            #expect(try await w.staff.setContact("sipho", StaffContact(phone: MSISDN("0820000009"), email: nil, head: false)))
            let refs = try await w.tickets([("water.burst_pipe", "0821110001"), ("water.leak", "0821110002"), ("water.leak", "0821110003")])
            let (job, other, theirs) = (refs[0], refs[1], refs[2])
            for r in [job, other] { #expect(try await w.crews.assign(r, to: "Pipe Team A", scope: "water", actor: "d", address: nil) == .done) }
            #expect(try await w.crews.assign(theirs, to: "Pipe Team B", scope: "water", actor: "d", address: nil) == .done)
            let resident = MSISDN("0821110001")!
            func last(_ m: MSISDN) async throws -> String { try await w.organisations.outbox(m).last ?? "" }
            func history(_ r: Reference) async throws -> Int { try await w.staff.file(r, scope: "water")?.history.count ?? 0 }

            // JOBS: oldest first.
            await w.crewText(a.e164, "jobs")
            let jobs = try await last(a)
            #expect(jobs.hasPrefix("Pipe Team A: 2 open job(s)") && jobs.contains(job.grouped) && jobs.contains(other.grouped))
            #expect(jobs.range(of: job.grouped)!.lowerBound < jobs.range(of: other.grouped)!.lowerBound)
            #expect(SMSMeasure.of(jobs).segments <= 3)

            // ONSITE, with the reference grouped: in progress, the resident told; again: nothing more.
            await w.crewText(a.e164, "ONSITE \(job.grouped)")
            #expect(try await last(a).contains("on site recorded"))
            #expect(try await w.staff.ticket(job, moe: "water")?.status == .inProgress)
            #expect(try await last(resident) == "Ref \(job.grouped): a crew is on site working on it.")
            let entries = try await history(job)
            await w.crewText(a.e164, "onsite \(job.digits)")
            #expect(try await last(a).contains("already recorded"))
            #expect(try await history(job) == entries)

            // A wrong check digit, another crew's job, no reference: a clear reply, nothing changes.
            let wrong = String(job.digits.dropLast()) + String((Int(String(job.digits.last!))! + 1) % 10)
            await w.crewText(a.e164, "DONE \(wrong)")
            #expect(try await last(a).contains("not a job reference"))
            await w.crewText(a.e164, "DONE \(theirs.digits)")
            #expect(try await last(a).contains("not a job of Pipe Team A"))
            #expect(try await w.staff.ticket(theirs, moe: "water")?.status == .assigned)
            await w.crewText(a.e164, "DONE")
            #expect(try await last(a).contains("9-digit reference"))
            #expect(try await w.staff.ticket(job, moe: "water")?.status == .inProgress)
            #expect(try await history(job) == entries)

            // A stranger's DONE is not a crew's: help as before, no change.
            await w.crewText("0821119999", "DONE \(job.digits)")
            #expect(try await last(MSISDN("0821119999")!).contains("REPORT"))
            #expect(try await w.staff.ticket(job, moe: "water")?.status == .inProgress)

            // DONE with what was done: resolved, the note public; again: nothing changed.
            await w.crewText(a.e164, "DONE \(job.digits) replaced 2m of pipe, call 0821234567")
            #expect(try await last(a).contains("fixed, thank you"))
            let fixed = try #require(try await w.staff.ticket(job, moe: "water"))
            #expect(fixed.status == .resolved && fixed.publicUpdate?.contains("replaced 2m of pipe") == true && fixed.publicUpdate?.contains("1234567") == false)
            #expect(try await last(resident).hasPrefix("Ref \(job.grouped): fixed. replaced 2m of pipe"))
            let done = try await history(job), residentTold = try await w.organisations.outbox(resident).count
            await w.crewText(a.e164, "DONE \(job.digits)")
            #expect(try await last(a).contains("is Resolved: nothing changed"))
            #expect(try await history(job) == done)
            #expect(try await w.organisations.outbox(resident).count == residentTold)

            // CANT: back to the dispatchers, flagged, the supervisor told, no resident told.
            let otherResident = MSISDN("0821110002")!
            let before = try await w.organisations.outbox(otherResident).count
            await w.crewText(a.e164, "CANT \(other.digits)")
            #expect(try await last(a).contains("Say why"))
            await w.crewText(a.e164, "CANT \(other.digits) needs a 110mm valve")
            #expect(try await last(a).contains("back with the dispatchers (needs a 110mm valve)"))
            let back = try #require(try await w.staff.ticket(other, moe: "water"))
            #expect(back.status == .acknowledged && back.crew == nil && back.fieldFlag == "needs a 110mm valve")
            #expect(try await last(MSISDN("0820000009")!).contains("could not fix it: needs a 110mm valve"))
            #expect(try await w.organisations.outbox(otherResident).count == before)
            #expect(try await w.staff.worklist(WorklistQuery(scope: "water"), now: w.now).tickets.first { $0.reference == other.digits }?.fieldFlag != nil)
            // Assigned again: the flag goes.
            #expect(try await w.crews.assign(other, to: "Pipe Team B", scope: "water", actor: "d", address: nil) == .done)
            #expect(try await w.staff.ticket(other, moe: "water")?.fieldFlag == nil)

            // STOP from a crew's number: a pointer to the supervisor, still reachable.
            await w.crewText(a.e164, "STOP")
            #expect(try await last(a).contains("Ask your supervisor"))
            await w.crewText(a.e164, "JOBS")
            #expect(try await last(a).contains("no open jobs"))
        }
    }

    @Test(arguments: StoreKind.available)
    func aCrewMemberDialsAndWorksMyJobs(_ kind: StoreKind) async throws {
        try await StaffWorld.with(kind) { w async throws in
            let ussd = try #require(w.ussd)
            let member = MSISDN("0825550001")!
            _ = try await w.crews.add(name: "Pipe Team A", moe: "water", phones: [member.e164], language: "en", actor: "t").get()
            let refs = try await w.tickets([("water.burst_pipe", "0821110001"), ("water.leak", "0821110002")])
            for r in refs { #expect(try await w.crews.assign(r, to: "Pipe Team A", scope: "water", actor: "d", address: nil) == .done) }
            var session = 0
            func dial(_ inputs: [String], from: MSISDN = member) async -> [String] {
                session += 1
                var screens: [String] = []
                var text = ""
                for (i, input) in ([""] + inputs).enumerated() {
                    text = i == 0 ? "" : (text.isEmpty ? input : text + "*" + input)
                    let reply = await ussd.handle(UssdEvent(provider: "test", sessionID: "crew-\(session)", msisdn: from, serviceCode: "*120*1234#", network: nil, input: .history(text)))
                    screens.append(reply.text)
                    #expect(GSM7.screenCost(reply.text) <= 182)
                }
                return screens
            }
            // My jobs first; pick the oldest; on site.
            var screens = await dial(["1", "1", "1"])
            #expect(screens[0].contains("1 My jobs"))
            #expect(screens[1].contains("1 \(refs[0].grouped)") && screens[1].contains("2 \(refs[1].grouped)"))
            #expect(screens[2].contains(refs[0].grouped) && screens[2].contains("0 Main Rd"))
            #expect(screens[3].contains("On site recorded"))
            #expect(try await w.staff.ticket(refs[0], moe: "water")?.status == .inProgress)
            // Fixed with a note.
            screens = await dial(["1", "1", "2", "2", "new valve fitted"])
            #expect(screens.last?.contains("Fixed recorded") == true)
            let fixed = try #require(try await w.staff.ticket(refs[0], moe: "water"))
            #expect(fixed.status == .resolved && fixed.publicUpdate == "new valve fitted")
            #expect(try await w.organisations.outbox(MSISDN("0821110001")!).last == "Ref \(refs[0].grouped): fixed. new valve fitted")
            // The other job cannot be fixed: unsafe.
            screens = await dial(["1", "1", "3", "4"])
            #expect(screens.last?.contains("back with the dispatchers") == true)
            let back = try #require(try await w.staff.ticket(refs[1], moe: "water"))
            #expect(back.status == .acknowledged && back.fieldFlag == "unsafe" && back.crew == nil)
            // No jobs left; a resident who dials sees the residents' menu.
            screens = await dial(["1"])
            #expect(screens.last?.contains("no open jobs") == true)
            screens = await dial([], from: MSISDN("0821110005")!)
            #expect(!screens[0].contains("My jobs"))
        }
    }
}

extension StaffWorld {
    var crews: CrewDesk { CrewDesk(roster: staff, ledger: staff, engine: engine, clock: organisations.clock) }

    func crewText(_ from: String, _ body: String) async {
        await sms.handle(InboundSMS(provider: "test", providerID: nil, from: MSISDN(from)!, to: nil, text: body))
    }
}
