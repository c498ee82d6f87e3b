import Domain
import FlowEngine
import Foundation
import Gateway
import GRDB

/// The `ConversationStore` on SQLite: reads on the pool's readers, in parallel; each hop's writes in one
/// immediate transaction on the single writer, guarded by the session's version.
public struct SQLiteConversationStore: ConversationStore {
    let database: AppDatabase

    public init(_ database: AppDatabase) { self.database = database }

    /// Reads in place on the calling thread from the pool's readers: readers do not wait for each
    /// other or for the writer in WAL mode, and a hop's reads take tens of microseconds, less than
    /// the two thread switches of GRDB's async API (measured in scripts/bench-ussd.sh).
    public func read<T: Sendable>(_ body: @escaping @Sendable (any ConversationReads) throws -> T) async throws -> T {
        try readInPlace(body)
    }

    private func readInPlace<T>(_ body: (any ConversationReads) throws -> T) throws -> T {
        try database.writer.read { db in try body(SQLiteConversationTransaction(db: db)) }
    }

    public func write(_ hop: HopWrite) async throws -> HopWriteOutcome {
        let state = try hop.session.map { try SessionRows.encode($0.session) }
        return try await database.writer.writeWithoutTransaction { db in
            let tx = SQLiteConversationTransaction(db: db)
            var outcome = HopWriteOutcome.committed
            try db.inTransaction(.immediate) {
                if let inbound = hop.inbound, !(try InboundRows.record(db, inbound)) {
                    outcome = .sessionChanged  // delivered twice: the reread sees it and does nothing
                    return .rollback
                }
                if let session = hop.session, let state, !(try SessionRows.save(db, session, state: state)) {
                    outcome = .sessionChanged
                    return .rollback
                }
                if let key = hop.retire { try tx.retire(sessionKey: key) }
                if let msisdn = hop.msisdn {
                    if hop.firstContact { try SubscriberRows.recordContact(db, msisdn, at: hop.at) }
                    if let code = hop.language { try tx.setLanguage(code, for: msisdn, at: hop.at) }
                    if let optOut = hop.optOut { try SubscriberRows.setOptOut(db, msisdn, optOut, at: hop.at) }
                    if let at = hop.helpSentAt { try SubscriberRows.setHelpSent(db, msisdn, at: at) }
                }
                var ticketID: Int64?
                if let ticket = hop.ticket {
                    guard try !tx.referenceExists(ticket.draft.reference) else {
                        outcome = .referenceTaken
                        return .rollback
                    }
                    ticketID = try TicketRows.insert(db, ticket)
                }
                for message in hop.messages {
                    try OutboxRows.enqueue(db, message, ticketID: ticketID, at: hop.at)
                }
                if let chase = hop.chase { try TicketActions.record(chase, at: hop.at, db) }
                if let answer = hop.surveyAnswer { try TicketActions.record(answer, at: hop.at, db) }
                if let attachment = hop.attachment { try IncidentRows.attach(db, attachment, at: hop.at) }
                return .commit
            }
            // A reference or a promise to tell shown to a caller is on disk before the reply leaves.
            if outcome == .committed, hop.ticket != nil || hop.attachment != nil { try AppDatabase.syncCommitted(db) }
            return outcome
        }
    }

    /// One transaction with every read and write, for seeding and inspecting in tests and tools.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any ConversationTransaction) throws -> T) async throws -> T {
        try await database.writer.write { db in try body(SQLiteConversationTransaction(db: db)) }
    }

    public func sweepSessions(updatedBefore before: Date) async throws -> Int {
        try await database.writer.write { db in
            try db.execute(sql: "DELETE FROM ussd_sessions WHERE updated_at < ?", arguments: [before])
            let swept = db.changesCount
            // Console sessions end after minutes idle; rows unused for a day longer are only litter.
            try db.execute(sql: "DELETE FROM staff_sessions WHERE last_seen_at < ?", arguments: [before.addingTimeInterval(-86400)])
            try db.execute(sql: "DELETE FROM sign_in_failures WHERE last_at < ?", arguments: [before.addingTimeInterval(-86400)])
            return swept
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
    static func encode(_ session: Session) throws -> String { SessionCodec.encode(session) }

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

    /// Inserts a new session, or updates one still at the version it was read at. False when
    /// another request got there first.
    static func save(_ db: Database, _ s: StoredSession, state: String) throws -> Bool {
        let values: StatementArguments = [s.msisdn.e164, s.serviceCode, state, s.lastText, s.lastReply?.text, s.lastReply?.isFinal,
                                          s.resumable, s.version, s.createdAt, s.updatedAt, s.key]
        if s.version <= 1 {
            try db.cachedStatement(sql: """
                INSERT INTO ussd_sessions (msisdn, service_code, state, last_text, last_reply, last_reply_final, resumable, version, created_at, updated_at, key)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING
                """).execute(arguments: values)
        } else {
            try db.cachedStatement(sql: """
                UPDATE ussd_sessions SET msisdn = ?, service_code = ?, state = ?, last_text = ?, last_reply = ?, last_reply_final = ?,
                    resumable = ?, version = ?, created_at = ?, updated_at = ?
                WHERE key = ? AND version = ?
                """).execute(arguments: values + [s.version - 1])
        }
        return db.changesCount == 1
    }
}

final class SQLiteConversationTransaction: ConversationTransaction {
    let db: Database

    init(db: Database) { self.db = db }

    func session(key: String) throws -> StoredSession? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(SessionRows.columns) FROM ussd_sessions WHERE key = ?"), arguments: [key])
            .flatMap(SessionRows.decode)
    }

    func unfinishedSession(of msisdn: MSISDN, since: Date, excluding key: String) throws -> StoredSession? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT \(SessionRows.columns) FROM ussd_sessions
            WHERE msisdn = ? AND resumable = 1 AND updated_at >= ? AND key <> ?
            ORDER BY updated_at DESC LIMIT 1
            """), arguments: [msisdn.e164, since, key]).flatMap(SessionRows.decode)
    }

    func retire(sessionKey: String) throws {
        try db.execute(sql: "UPDATE ussd_sessions SET resumable = 0 WHERE key = ?", arguments: [sessionKey])
    }

    func language(of msisdn: MSISDN) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT language FROM subscribers WHERE msisdn = ?"), arguments: [msisdn.e164])
    }

    func setLanguage(_ code: String, for msisdn: MSISDN, at: Date) throws {
        try db.execute(sql: """
            INSERT INTO subscribers (msisdn, language, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (msisdn) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at
            """, arguments: [msisdn.e164, code, at])
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
        try SubscriberRows.fetch(db, msisdn.e164)
    }

    func subscriber(key: String) throws -> Subscriber? {
        try SubscriberRows.fetch(db, key)
    }

    func inboundSeen(provider: String, id: String) throws -> Bool {
        try InboundRows.seen(db, provider: provider, id: id)
    }

    func openIncidents(service: String) throws -> [Incident] {
        try IncidentRows.open(db, service: service)
    }

    func create(_ ticket: NewTicket) throws {
        try TicketRows.insert(db, ticket)
    }

    func reportsSince(_ msisdn: MSISDN, since: Date) throws -> Int {
        // tickets_reporter (reporter, created_at) serves this.
        try Int.fetchOne(db.cachedStatement(sql: """
            SELECT COUNT(*) FROM tickets WHERE reporter = ? AND created_at >= ? AND channel IN ('ussd', 'sms')
            """), arguments: [msisdn.e164, since]) ?? 0
    }

    func chaseFacts(_ reference: Reference, by msisdn: MSISDN, since: Date) throws -> ChaseFacts? {
        try Row.fetchOne(db, sql: """
            SELECT t.reporter = ?2 OR EXISTS (SELECT 1 FROM tickets d WHERE d.duplicate_of = t.id AND d.reporter = ?2),
                   t.status, t.due_at, t.paused_at,
                   EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'chased' AND e.at >= ?3),
                   t.escalation_level
            FROM tickets t WHERE t.reference = ?1
            """, arguments: [reference.digits, msisdn.e164, since]).map { row in
            ChaseFacts(isReporter: row[0] ?? false, status: TicketStatus(rawValue: row[1]) ?? .new, dueAt: row[2], pausedAt: row[3],
                       chasedToday: row[4], escalationLevel: row[5])
        }
    }
}
