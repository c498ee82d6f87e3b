// What looking for "already reported" costs the confirmation hop, in-process on a SQLite file as
// `civicgate serve` keeps it, with 200,000 open tickets (water 40 %, electricity 30 %, roads 20 %,
// the rest 10 %; every area; created over the last 14 days; 400 streets, 120 house numbers).
// Timed one at a time: the lookup alone (read the service's open tickets in the area since the
// fault type's window, apply the rule), then the whole "1 Submit" hop with the shipped flow and
// with the same flow without the lookup (report_confirm -> report_submit), for a report that
// matches nothing (it is filed) and for one that matches (the offer is shown).
//   swift run -c release duplicate-benchmark [--hops 2000] [--tickets 200000] [--root .]
import Domain
import FlowDefinitions
import FlowEngine
import Foundation
import Gateway
import GRDB
import Logging
import Store

func option(_ name: String) -> String? {
    let args = CommandLine.arguments
    return args.firstIndex(of: name).flatMap { args.indices.contains($0 + 1) ? args[$0 + 1] : nil }
}

let hops = max(100, Int(option("--hops") ?? "") ?? 2000)
let total = max(1000, Int(option("--tickets") ?? "") ?? 200_000)
let root = option("--root") ?? FileManager.default.currentDirectoryPath
let definitions = try Definitions.load(menus: root + "/menus", locales: root + "/locales")
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("duplicate-benchmark-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: folder) }
let database = try AppDatabase.open(path: folder.appendingPathComponent("duplicates.sqlite").path)
var quiet = Logger(label: "duplicate-benchmark")
quiet.logLevel = .error
let clock = SystemClock()
let references: @Sendable () -> Reference = { var g = SystemRandomNumberGenerator(); return Reference.random(using: &g) }
let engine = definitions.engine()
let catalogue = engine.catalogue
let areas = catalogue.areas.map(\.code)
let streets = (0..<400).map { "Street \($0)" }

// The tickets, written in one transaction (200,000 reports through the gateway would measure filing).
let setupStart = ContinuousClock.now
let shares: [(String, Double)] = [("water", 0.4), ("electricity", 0.3), ("roads", 0.2)]
let others = catalogue.services.map(\.code).filter { code in !shares.contains { $0.0 == code } }
try await database.writer.write { db in
    var g = SystemRandomNumberGenerator()
    var used = Set<String>()
    let now = Date()
    for i in 0..<total {
        let x = Double(i) / Double(total)
        let service = x < 0.4 ? "water" : x < 0.7 ? "electricity" : x < 0.9 ? "roads" : others[i % others.count]
        let faults = catalogue.service(service)!.faults.map(\.code)
        var r = Reference.random(using: &g)
        while !used.insert(r.digits).inserted { r = Reference.random(using: &g) }
        let at = now.addingTimeInterval(-Double.random(in: 0..<(14 * 86400), using: &g))
        let route = catalogue.routing.route(service: service, area: areas[i % areas.count])
        let address = "\(Int.random(in: 1...120, using: &g)) \(streets[Int.random(in: 0..<streets.count, using: &g)])"
        try db.execute(sql: """
            INSERT INTO tickets (reference, service, fault, area, address, description, moe, queue, status, channel, language, created_at, updated_at,
                                 due_at, street_number)
            VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, 'ussd', 'en', ?, ?, ?, ?)
            """, arguments: [r.digits, service, faults[Int.random(in: 0..<faults.count, using: &g)], areas[(i / 7) % areas.count], address,
                             route.moe, route.queue, i % 5 == 0 ? "acknowledged" : "new", at, at, at.addingTimeInterval(48 * 3600),
                             ReportedPlace.storedNumber(of: address)])
    }
}
try await database.writer.write { db in try db.execute(sql: "ANALYZE") }
say("duplicate-benchmark: \(total) open tickets, set up in \(ContinuousClock.now - setupStart)")

/// A line on stdout at once (a crash must not swallow what was measured).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
func report(_ times: [Double], _ name: String) {
    let t = times.sorted()
    func p(_ q: Double) -> Double { t[min(t.count - 1, Int(Double(t.count) * q))] }
    say(String(format: "%@ n=%d  p50 %.3f ms  p99 %.3f ms  max %.3f ms", name.padding(toLength: 44, withPad: " ", startingAt: 0), t.count, p(0.5), p(0.99),
                 t.last ?? 0))
}

// 1. The lookup alone, as the hop makes it: a burst pipe in the busiest service, in a random area.
let store = SQLiteConversationStore(database)
let rules = engine.duplicateRules
var lookups: [Double] = []
var found = 0
for i in 0..<(hops + 50) {
    let area = areas[i % areas.count]
    let report = DuplicateCandidate(reference: .unfiled, service: "water", fault: "burst_pipe", area: area,
                                    address: "\(1 + i % 120) \(streets[(i * 13) % streets.count])", location: nil, createdAt: Date(), status: .new)
    let caller = MSISDN("+2782\(String(format: "%07d", 5_000_000 + i))")!
    let start = ContinuousClock.now
    let matches = try await store.read { reads in
        let around = try reads.duplicateCandidates(service: "water", area: area, since: Date().addingTimeInterval(-rules.window("water", "burst_pipe")),
                                                   digits: ReportedPlace(report.address).numberDigits, notReportedBy: caller, limit: 200)
        return rules.likelyDuplicates(of: report, among: around, now: Date(), limit: 2).count
    }
    if i >= 50 { lookups.append(ms(ContinuousClock.now - start)); found += matches > 0 ? 1 : 0 }
}
report(lookups, "lookup (read + rule), water burst pipe")
say("  (\(found) of \(hops) random addresses matched an open ticket)")

// 2. The "1 Submit" hop, with and without the lookup. The flow without it: the summary files at once.
var flow = engine.flow
if case .menu(let prompt, var options)? = flow.states["report_confirm"]?.kind {
    options = options.map { var o = $0; if o.next == "report_duplicate" { o.next = "report_submit" }; return o }
    flow.states["report_confirm"]!.kind = .menu(prompt: prompt, options: options)
}
let without = FlowEngine(flow: flow, catalogue: catalogue, locales: engine.locales, settings: engine.settings)
let withLookup = UssdGateway(engine: engine, store: store, clock: clock, references: references, settings: .init(maxReportsPerDay: 1_000_000), logger: quiet)
let withoutLookup = UssdGateway(engine: without, store: store, clock: clock, references: references, settings: .init(maxReportsPerDay: 1_000_000), logger: quiet)

/// A report to "1 Submit" (untimed), then that hop (timed); `address` decides whether it matches.
func submit(_ gateway: UssdGateway, _ i: Int, address: String, expectOffer: Bool, phone: MSISDN, area: String = "1") async -> Double {
    let session = "bench-\(i)-\(UUID().uuidString)"
    func hop(_ history: [String]) async -> UssdReply {
        await gateway.handle(UssdEvent(provider: "bench", sessionID: session, msisdn: phone, serviceCode: "*120*1234#", network: nil,
                                       input: .history(history.joined(separator: "*"))))
    }
    let answers = ["1", "1", "1", area, address]
    _ = await hop([])
    for n in 1...answers.count { _ = await hop(Array(answers.prefix(n))) }
    let start = ContinuousClock.now
    let reply = await hop(answers + ["1"])
    let elapsed = ms(ContinuousClock.now - start)
    if expectOffer == reply.isFinal { fatalError("unexpected screen: \(reply.text)") }
    return elapsed
}

// An address no ticket has: filed by both, each report by a caller of its own in one of the first
// page's ten areas (4,000 reports by one number in one area would be read past as its own, every hop).
// Interleaved so both see the same database.
let filers = (0..<(2 * (hops + 50))).map { MSISDN("+2782777\(String(format: "%04d", $0))")! }
try await store.transaction { tx in for c in filers { try tx.setLanguage("en", for: c, at: Date()) } }
var filedWith: [Double] = [], filedWithout: [Double] = []
for i in 0..<(hops + 50) {
    let address = "\(i) Benchmark Rd", area = String(1 + i % 10)
    let a = await submit(withLookup, i, address: address + " A", expectOffer: false, phone: filers[2 * i], area: area)
    let b = await submit(withoutLookup, i, address: address + " B", expectOffer: false, phone: filers[2 * i + 1], area: area)
    if i >= 50 { filedWith.append(a); filedWithout.append(b) }
}
report(filedWithout, "1 Submit, filed, without the lookup")
report(filedWith, "1 Submit, filed, with the lookup")
// An address an open burst pipe in Soweto has: the offer is shown instead.
let soweto = try await database.writer.read { db in
    try String.fetchOne(db, sql: """
        SELECT address FROM tickets WHERE service = 'water' AND fault = 'burst_pipe' AND area = 'soweto' AND status = 'new' AND reporter IS NULL AND created_at >= ?
        ORDER BY created_at DESC LIMIT 1
        """, arguments: [Date().addingTimeInterval(-86400)])
}
if let soweto {
    // Each its own caller: an offer left unanswered is offered back on the next dial ("unfinished report").
    let callers = (0..<(hops / 4 + 20)).map { MSISDN("+2782888\(String(format: "%04d", $0))")! }
    try await store.transaction { tx in for c in callers { try tx.setLanguage("en", for: c, at: Date()) } }
    var offered: [Double] = []
    for (i, caller) in callers.enumerated() {
        let t = await submit(withLookup, 1_000_000 + i, address: soweto, expectOffer: true, phone: caller)
        if i >= 20 { offered.append(t) }
    }
    report(offered, "1 Submit, offer shown")
}
