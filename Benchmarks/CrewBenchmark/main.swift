// A crew's own questions under a large roster, in-process on a SQLite file as `civicgate serve`
// keeps it: 500 crews of two members, 20,000 open jobs (40 a crew), then `JOBS` by SMS (read the
// crew, its 40 jobs, word 3 SMS, commit the reply) and the USSD "My jobs" hop (read the crew and
// its oldest 20 jobs, draw the paged list), each from a random member, one at a time and 16 at once.
//   swift run -c release crew-benchmark [--asks 2000] [--root .]
import Domain
import FlowDefinitions
import Foundation
import Gateway
import GRDB
import Logging
import Store

func option(_ name: String) -> String? {
    let args = CommandLine.arguments
    return args.firstIndex(of: name).flatMap { args.indices.contains($0 + 1) ? args[$0 + 1] : nil }
}

let asks = max(100, Int(option("--asks") ?? "") ?? 2000)
let root = option("--root") ?? FileManager.default.currentDirectoryPath
let (crewCount, jobsPerCrew) = (500, 40)
let definitions = try Definitions.load(menus: root + "/menus", locales: root + "/locales")
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crew-benchmark-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: folder) }
let database = try AppDatabase.open(path: folder.appendingPathComponent("crews.sqlite").path)
var quiet = Logger(label: "crew-benchmark")
quiet.logLevel = .error
let clock = SystemClock()
let references: @Sendable () -> Reference = { var g = SystemRandomNumberGenerator(); return Reference.random(using: &g) }
let engine = definitions.engine()
let staff = SQLiteStaffStore(database, levels: engine.serviceLevels)
let desk = CrewDesk(roster: staff, ledger: staff, engine: engine, clock: clock)
let ussd = UssdGateway(engine: engine, store: SQLiteConversationStore(database), clock: clock, references: references, logger: quiet)
let sms = SmsGateway(engine: definitions.smsEngine()!, store: SQLiteConversationStore(database), clock: clock, references: references, logger: quiet)
let languages = engine.locales.codes

func member(_ crew: Int, _ m: Int) -> String { "+2782\(String(format: "%07d", crew * 2 + m))" }

// The roster, through the use case; the jobs written in one transaction (20,000 assignments one
// at a time would measure setting up, not asking).
let setupStart = ContinuousClock.now
var crewIDs: [Int64] = []
for c in 0..<crewCount {
    let crew = try await desk.add(name: "Crew \(c)", moe: "water", phones: [member(c, 0), member(c, 1)], language: languages[c % languages.count],
                                  actor: "benchmark").get()
    crewIDs.append(crew.id)
}
let faults = engine.catalogue.service("water")!.faults.map(\.code)
let areas = engine.catalogue.areas.map(\.code)
try await database.writer.write { db in
    let now = Date()
    var used = Set<String>()
    for (c, id) in crewIDs.enumerated() {
        for j in 0..<jobsPerCrew {
            var r = references()
            while !used.insert(r.digits).inserted { r = references() }
            let at = now.addingTimeInterval(-Double(j * crewCount + c) * 60)
            try db.execute(sql: """
                INSERT INTO tickets (reference, service, fault, area, address, description, moe, queue, status, channel, language, created_at, updated_at,
                                     due_at, crew_id, crew_assigned_at, assignee)
                VALUES (?, 'water', ?, ?, ?, '', 'water', 'water-general', 'assigned', 'ussd', 'en', ?, ?, ?, ?, ?, ?)
                """, arguments: [r.digits, faults[(c + j) % faults.count], areas[(c * 7 + j) % areas.count], "\(j + 1) Vilakazi St", at, at,
                                 at.addingTimeInterval(48 * 3600), id, at, "Crew \(c)"])
        }
    }
}
let setup = ContinuousClock.now - setupStart
print("crew-benchmark: \(crewCount) crews, \(crewCount * jobsPerCrew) open jobs, set up in \(setup)")

func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }

/// `JOBS` from a random member: the whole SMS turn, to the reply committed to the outbox.
nonisolated func jobs(_ i: Int) async -> Double {
    let c = Int.random(in: 0..<crewCount)
    let start = ContinuousClock.now
    await sms.handle(InboundSMS(provider: "bench", providerID: "jobs-\(i)-\(UUID().uuidString)", from: MSISDN(member(c, i % 2))!, to: nil, text: "JOBS"))
    return ms(ContinuousClock.now - start)
}

/// "My jobs" on USSD from a random member: the crew menu (not timed), then the list hop (timed).
nonisolated func myJobs(_ i: Int) async -> Double {
    let c = Int.random(in: 0..<crewCount)
    let phone = MSISDN(member(c, i % 2))!
    let session = "bench-\(i)-\(UUID().uuidString)"
    let first = await ussd.handle(UssdEvent(provider: "bench", sessionID: session, msisdn: phone, serviceCode: "*120*1234#", network: nil, input: .history("")))
    precondition(first.text.contains("1 "), "the crew menu: \(first.text)")
    let start = ContinuousClock.now
    let list = await ussd.handle(UssdEvent(provider: "bench", sessionID: session, msisdn: phone, serviceCode: "*120*1234#", network: nil, input: .history("1")))
    let elapsed = ms(ContinuousClock.now - start)
    precondition(!list.isFinal && list.text.contains("98"), "a paged list of jobs: \(list.text)")
    return elapsed
}

func run(_ name: String, concurrency: Int, _ ask: @escaping @Sendable (Int) async -> Double) async {
    for i in 0..<50 { _ = await ask(1_000_000 + i) }  // warm up
    let start = ContinuousClock.now
    let times = await withTaskGroup(of: [Double].self) { group in
        for lane in 0..<concurrency {
            group.addTask {
                var out: [Double] = []
                var i = lane
                while i < asks { out.append(await ask(i)); i += concurrency }
                return out
            }
        }
        var all: [Double] = []
        for await part in group { all += part }
        return all.sorted()
    }
    let seconds = ms(ContinuousClock.now - start) / 1000
    func p(_ q: Double) -> Double { times[min(times.count - 1, Int(Double(times.count) * q))] }
    print(String(format: "%@ %2d at once: n=%d  p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%.0f/s)", name.padding(toLength: 8, withPad: " ", startingAt: 0),
                 concurrency, times.count, p(0.5), p(0.99), times.last ?? 0, Double(times.count) / seconds))
}

await run("JOBS", concurrency: 1, jobs)
await run("JOBS", concurrency: 16, jobs)
await run("My jobs", concurrency: 1, myJobs)
await run("My jobs", concurrency: 16, myJobs)
