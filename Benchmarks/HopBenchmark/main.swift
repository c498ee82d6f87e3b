// One USSD hop in-process, without the network: the aggregator's form parsed, the gateway's hop
// (session, engine, store on a SQLite file, as `civicgate serve` runs it), the reply rendered.
// Whole report sessions, one after another, every session a new caller; the figures are per kind
// of hop: the first (database reads), the language choice and the confirmation (transactions;
// the confirmation's commit fsyncs) and the screens in between (memory only).
//   swift run -c release hop-benchmark [--sessions 3000] [--root .]
#if canImport(Glibc)
import Glibc
#endif
import Channels
import Domain
import FlowDefinitions
import Foundation
import Gateway
import Logging
import Store

func option(_ name: String) -> String? {
    let args = CommandLine.arguments
    return args.firstIndex(of: name).flatMap { args.indices.contains($0 + 1) ? args[$0 + 1] : nil }
}

func cpuMicroseconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func us(_ t: timeval) -> Double { Double(t.tv_sec) * 1e6 + Double(t.tv_usec) }
    return us(usage.ru_utime) + us(usage.ru_stime)
}

let sessions = max(1, Int(option("--sessions") ?? "") ?? 3000)
let root = option("--root") ?? FileManager.default.currentDirectoryPath
let inputs = ["1", "1", "1", "1", "1", "12 Main Rd", "1"]  // the README's report: language, service, fault, area, address, confirm
let kinds = ["first", "language", "screen", "screen", "screen", "screen", "screen", "confirm"]

let definitions = try Definitions.load(menus: root + "/menus", locales: root + "/locales")
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hop-benchmark-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: folder) }
let database = try AppDatabase.open(path: folder.appendingPathComponent("hops.sqlite").path)
var quiet = Logger(label: "hop-benchmark")
quiet.logLevel = .error
let gateway = UssdGateway(
    engine: definitions.engine(), store: SQLiteConversationStore(database), clock: SystemClock(),
    references: { var g = SystemRandomNumberGenerator(); return Reference.random(using: &g) },
    settings: .init(maxReportsPerDay: 1_000_000), logger: quiet)

let texts = (0...inputs.count).map { inputs.prefix($0).joined(separator: "*").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }

/// Nonisolated, as a route handler is: the hop runs where its caller runs, with no hand-off to
/// and from the main actor.
nonisolated func hop(session: Int, step: Int) async throws -> String {
    let text = texts[step]
    let body = "sessionId=ATUid_bench_\(session)&serviceCode=%2A120%2A1234%23&phoneNumber=%2B2782\(String(format: "%07d", session))"
        + "&networkCode=65501&text=\(text)"
    guard case .hop(let event) = try AfricasTalkingUSSD.parse(try FormBody(parsing: Array(body.utf8))) else { fatalError("not a hop") }
    return AfricasTalkingUSSD.render(await gateway.handle(event))
}

nonisolated func measure() async throws -> (wall: [String: [Double]], seconds: Duration, cpu: Double) {
    var wall: [String: [Double]] = [:]
    // Warm up: statement caches, the engine's first renders.
    for s in 0..<50 { for step in 0...inputs.count { _ = try await hop(session: 9_000_000 + s, step: step) } }
    let cpuStart = cpuMicroseconds()
    let clockStart = ContinuousClock.now
    for s in 0..<sessions {
        for step in 0...inputs.count {
            let start = ContinuousClock.now
            let reply = try await hop(session: s, step: step)
            let elapsed = ContinuousClock.now - start
            wall[kinds[step], default: []].append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
            if step == inputs.count, !reply.hasPrefix("END ") { fatalError("session \(s) did not end: \(reply)") }
        }
    }
    return (wall, ContinuousClock.now - clockStart, cpuMicroseconds() - cpuStart)
}
let (wall, seconds, cpu) = try await measure()
let hops = Double(sessions * (inputs.count + 1))
try await SQLiteConversationStore(database).saveHeldSessions()

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}
print("hop-benchmark: \(sessions) sessions, \(Int(hops)) hops, one at a time, release build recommended")
for kind in ["first", "language", "screen", "confirm"] {
    let v = wall[kind] ?? []
    print(String(format: "%@ n=%-6d mean %7.1f µs  p50 %7.1f µs  p99 %7.1f µs", kind.padding(toLength: 9, withPad: " ", startingAt: 0), v.count, v.reduce(0, +) / Double(v.count),
                 percentile(v, 0.5), percentile(v, 0.99)))
}
let total = Double(seconds.components.seconds) + Double(seconds.components.attoseconds) / 1e18
print(String(format: "all hops: %.1f µs wall and %.1f µs CPU per hop (%.0f hops/s on one task)", total * 1e6 / hops, cpu / hops, hops / total))
