import Domain
import FlowEngine
import Foundation
import Gateway
import GRDB
import Persistence

/// The `ConversationStore` on SQLite. Sessions in progress are read and, when a hop changes
/// nothing else, written in memory (`LiveSessions`); every other write is one immediate
/// transaction on the single writer, with the hop's session in it.
public struct SQLiteConversationStore: ConversationStore {
    let database: AppDatabase
    var live: LiveSessions { database.live }

    public init(_ database: AppDatabase) { self.database = database }

    /// The hop's decision, first from memory alone; when it needs more than its session, again
    /// inside a transaction on the writer's connection (see `warmRead`). A session being written
    /// by another request's transaction is waited for, then read as committed.
    /// An "already reported" lookup is read on a reader and the hop run again with it.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any ConversationReads) throws -> T) async throws -> T {
        var memory = MemoryReads(live: live, incidents: database.openIncidents, callers: database.callers)
        while true {
            do {
                do {
                    return try body(memory)
                } catch LiveSessions.Miss.database {
                    return try await warmRead(body)
                } catch let lookup as OfferLookup {
                    // Asked again for another lookup (a clock that moved between runs): the writer.
                    guard memory.offers == nil else { return try await warmRead(body) }
                    memory.offers = try await lookup.read(database.writer)
                }
            } catch LiveSessions.Miss.pending(let key) {
                await live.settled(key)
            }
        }
    }

    /// Reads on the writer's connection, queued between the rounds; nothing is written. Its page
    /// cache holds what the last rounds wrote, while a reader's is dropped whenever the database
    /// changed (in WAL mode, at the start of any read after a commit) and every page is fetched
    /// from the OS again. Under load that outweighs the two thread switches this costs: 151
    /// against 189 µs of server CPU per hop, mean of four interleaved runs at 64 sessions
    /// (`docs/performance.md`). One at a time (the in-process benchmark) the switches dominate.
    private func warmRead<T: Sendable>(_ body: @escaping @Sendable (any ConversationReads) throws -> T) async throws -> T {
        let live = live, incidents = database.openIncidents, callers = database.callers
        return try await database.writer.writeWithoutTransaction { db in
            try callers.verify(db)
            var result: T?
            try db.inTransaction {
                result = try body(SQLiteConversationTransaction(db: db, live: live, incidents: incidents))
                return .commit
            }
            return result!
        }
    }

    public func write(_ hop: HopWrite) async throws -> HopWriteOutcome {
        guard let session = hop.session else { return try await database.hops.commit(hop) }
        if hop.changesOnlyTheSessionAndLanguage {
            guard live.advance(session) else { return .sessionChanged }
            if let code = hop.language, let msisdn = hop.msisdn { live.hold(language: code, for: msisdn, at: hop.at) }
            return .committed
        }
        guard live.reserve(session) else { return .sessionChanged }
        var outcome = HopWriteOutcome.sessionChanged
        defer { live.settle(session, committed: outcome == .committed) }
        outcome = try await database.hops.commit(hop)
        return outcome
    }

    /// One transaction with every read and write, for seeding and inspecting in tests and tools.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any ConversationTransaction) throws -> T) async throws -> T {
        try await database.writer.write { db in
            try live.save(db)
            return try body(SQLiteConversationTransaction(db: db, live: live))
        }
    }

    public func saveHeldSessions() async throws { try await live.saveNow() }

    public func sweepSessions(updatedBefore before: Date) async throws -> Int {
        let callers = database.callers
        defer { database.writer.asyncWriteWithoutTransaction { db in try? callers.reloadIfOutgrown(db) } }
        return try await database.writer.write { db in
            try live.save(db)
            try db.execute(sql: "DELETE FROM ussd_sessions WHERE updated_at < ? AND NOT (resumable = 1 AND key LIKE 'sms:%')", arguments: [before])
            let swept = db.changesCount
            db.afterNextTransaction(onCommit: { [live] _ in live.forget(updatedBefore: before) })
            // Console sessions end after minutes idle; rows unused for a day longer are only litter.
            try db.execute(sql: "DELETE FROM staff_sessions WHERE last_seen_at < ?", arguments: [before.addingTimeInterval(-86400)])
            try db.execute(sql: "DELETE FROM sign_in_failures WHERE last_at < ?", arguments: [before.addingTimeInterval(-86400)])
            return swept
        }
    }
}

extension SQLiteConversationStore {
    public func idleConversations(prefix: String, updatedBefore before: Date, limit: Int) async throws -> [StoredSession] {
        try await database.writer.write { db in
            try live.save(db)
            return try Row.fetchAll(db, sql: """
                SELECT \(SessionRows.columns) FROM ussd_sessions WHERE key LIKE ? AND resumable = 1 AND updated_at < ? ORDER BY updated_at LIMIT ?
                """, arguments: [prefix + "%", DatabaseDate.text(before), max(1, min(limit, 10_000))]).compactMap(SessionRows.decode)
        }
    }
}

/// Reads and writes of a USSD hop, for seeding and inspecting: the store's own hops use `ConversationReads`
/// and `HopWrite`.
public protocol ConversationTransaction: ConversationReads {
    func setLanguage(_ code: String, for msisdn: MSISDN, at: Date) throws
    func create(_ ticket: NewTicket) throws
}

enum SessionRows {
    /// The columns `decode` reads, by position (faster than by name on every hop).
    static let columns = "key, msisdn, service_code, state, last_text, last_reply, last_reply_final, resumable, version, created_at, updated_at"

    static func decode(_ row: Row) -> StoredSession? {
        guard let msisdn = MSISDN(row[1] as String),
              let session = SessionCodec.decode(row[3]) else { return nil }
        let reply: UssdReply? = (row[5] as String?).map { UssdReply(text: $0, isFinal: row[6] ?? false) }
        return StoredSession(
            key: row[0], msisdn: msisdn, serviceCode: row[2], session: session,
            lastText: row[4], lastReply: reply, resumable: row[7], version: row[8],
            createdAt: row[9], updatedAt: row[10])
    }

    /// Writes the session: `replacing` updates its row only if it is still there (false when it
    /// is not: erased or purged meanwhile); otherwise inserts or replaces the row. The version
    /// was checked in memory (`LiveSessions`) before.
    static func save(_ db: Database, _ s: StoredSession, state: String? = nil, replacing: Bool) throws -> Bool {
        let values: StatementArguments = [s.msisdn.e164, s.serviceCode, state ?? SessionCodec.encode(s.session), s.lastText, s.lastReply?.text,
                                          s.lastReply?.isFinal, s.resumable, s.version, DatabaseDate.text(s.createdAt),
                                          DatabaseDate.text(s.updatedAt), s.key]
        if replacing {
            try db.cachedStatement(sql: """
                UPDATE ussd_sessions SET msisdn = ?, service_code = ?, state = ?, last_text = ?, last_reply = ?, last_reply_final = ?,
                    resumable = ?, version = ?, created_at = ?, updated_at = ?
                WHERE key = ?
                """).execute(arguments: values)
            return db.changesCount == 1
        }
        try db.cachedStatement(sql: """
            INSERT INTO ussd_sessions (msisdn, service_code, state, last_text, last_reply, last_reply_final, resumable, version,
                created_at, updated_at, key)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET msisdn = excluded.msisdn, service_code = excluded.service_code, state = excluded.state,
                last_text = excluded.last_text, last_reply = excluded.last_reply, last_reply_final = excluded.last_reply_final,
                resumable = excluded.resumable, version = excluded.version, created_at = excluded.created_at, updated_at = excluded.updated_at
            """).execute(arguments: values)
        return true
    }
}

/// A hop's reads on the database; sessions held in memory supersede their rows.
final class SQLiteConversationTransaction: ConversationTransaction {
    let db: Database
    let live: LiveSessions
    /// Open incidents held in memory; nil inside a write, which reads what it is writing beside.
    let incidents: OpenIncidentCache?

    init(db: Database, live: LiveSessions, incidents: OpenIncidentCache? = nil) {
        self.db = db
        self.live = live
        self.incidents = incidents
    }

    func session(key: String) throws -> StoredSession? {
        switch live.lookup(key) {
        case .hit(let stored): return stored
        case .pending: throw LiveSessions.Miss.pending(key)
        case .miss:
            let stored = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(SessionRows.columns) FROM ussd_sessions WHERE key = ?"), arguments: [key])
                .flatMap(SessionRows.decode)
            if let stored { live.load(stored) }
            return stored
        }
    }

    func unfinishedSession(of msisdn: MSISDN, since: Date, excluding key: String) throws -> StoredSession? {
        let held = live.sessions(of: msisdn)
        let saved = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(SessionRows.columns) FROM ussd_sessions
            WHERE msisdn = ? AND resumable = 1 AND updated_at >= ? AND key <> ? AND key NOT LIKE 'sms:%'
            ORDER BY updated_at DESC LIMIT 8
            """), arguments: [msisdn.e164, DatabaseDate.text(since), key]).compactMap(SessionRows.decode).filter { !held.keys.contains($0.key) }
        return LiveSessions.latestResumable(held.settled + saved, since: since, excluding: key)
    }

    func retire(sessionKey: String) throws {
        try db.execute(sql: "UPDATE ussd_sessions SET resumable = 0 WHERE key = ?", arguments: [sessionKey])
    }

    func language(of msisdn: MSISDN) throws -> String? {
        if let held = live.heldLanguage(msisdn) { return held.code }
        return try String.fetchOne(db.cachedStatement(sql: "SELECT language FROM subscribers WHERE msisdn = ?"), arguments: [msisdn.e164])
    }

    func setLanguage(_ code: String, for msisdn: MSISDN, at: Date) throws {
        try SubscriberRows.setLanguage(db, msisdn.e164, code, at: at)
    }

    func referenceExists(_ reference: Reference) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM tickets WHERE reference = ?)"), arguments: [reference.digits]) ?? false
    }

    func publicTicket(_ reference: Reference) throws -> PublicTicket? {
        try TicketRows.publicTicket(db, reference)
    }

    func recentTickets(of msisdn: MSISDN, limit: Int) throws -> [PublicTicket] {
        try TicketRows.recent(db, msisdn, limit: limit)
    }

    func subscriber(_ msisdn: MSISDN) throws -> Subscriber? {
        let saved = try SubscriberRows.fetch(db, msisdn.e164)
        guard let held = live.heldLanguage(msisdn) else { return saved }
        var subscriber = saved ?? Subscriber(language: nil, optedOut: false, lastHelpAt: nil)
        subscriber.language = held.code
        return subscriber
    }

    func subscriber(key: String) throws -> Subscriber? {
        try SubscriberRows.fetch(db, key)
    }

    func inboundSeen(provider: String, id: String) throws -> Bool {
        try InboundRows.seen(db, provider: provider, id: id)
    }

    func openIncidents(service: String) throws -> [Incident] {
        guard let incidents else { return try IncidentRows.open(db, service: service) }
        return try incidents.incidents(of: service) { try IncidentRows.open(db, service: service) }
    }

    func alertAreas(of msisdn: MSISDN) throws -> [String] {
        try SQLiteStatements.fetch(db, AlertStatements.areas(of: msisdn)).map { try $0.text(required: "area") }
    }

    func create(_ ticket: NewTicket) throws {
        try TicketRows.insert(db, ticket)
    }

    /// Tickets this number reported itself (USSD or SMS) since `since`: the daily cap counts
    /// these, in the transaction that would add one (`HopRows`).
    func reportsSince(_ msisdn: MSISDN, since: Date) throws -> Int {
        Int(try SQLiteStatements.fetch(db, ReportStatements.made(by: msisdn, since: since)).first?.integer(required: "n") ?? 0)
    }

    func duplicateCandidates(service: String, area: String?, since: Date, digits: String?, notReportedBy caller: MSISDN, limit: Int) throws
        -> [DuplicateCandidate] {
        try SQLiteStatements.fetch(db, ReportStatements.offers(service: service, area: area, since: since, digits: digits, notReportedBy: caller, limit: limit))
            .map(DuplicateStatements.candidate)
    }

    func crew(of msisdn: MSISDN) throws -> Crew? {
        try SQLiteStatements.fetch(db, CrewStatements.member(msisdn)).first.map(CrewStatements.crew)
    }

    func jobs(ofCrew id: Int64, limit: Int) throws -> [CrewJob] {
        try SQLiteStatements.fetch(db, CrewStatements.jobs(crew: id, limit: limit)).map(CrewStatements.job)
    }

    func fieldState(_ reference: Reference) throws -> TicketState? {
        try SQLiteStatements.fetch(db, CrewStatements.fieldState(reference)).first.map(CrewStatements.fieldState)
    }

    func chaseFacts(_ reference: Reference, by msisdn: MSISDN, since: Date) throws -> ChaseFacts? {
        try Row.fetchOne(db, sql: """
            SELECT t.reporter = ?2 OR EXISTS (SELECT 1 FROM tickets d WHERE d.duplicate_of = t.id AND d.reporter = ?2) AS is_reporter,
                   t.status, t.due_at, t.paused_at,
                   EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'chased' AND e.at >= ?3) AS chased_today,
                   t.escalation_level
            FROM tickets t WHERE t.reference = ?1
            """, arguments: [reference.digits, msisdn.e164, since]).map { row in
            ChaseFacts(isReporter: row["is_reporter"] ?? false, status: TicketStatus(rawValue: row["status"]) ?? .new, dueAt: row["due_at"],
                       pausedAt: row["paused_at"], chasedToday: row["chased_today"], escalationLevel: row["escalation_level"])
        }
    }
}
