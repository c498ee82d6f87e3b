import Domain
import FlowEngine
import Foundation
import Gateway
import GRDB

/// The `UssdStore` on SQLite: each hop is one immediate write transaction.
public struct SQLiteUssdStore: UssdStore {
    let database: AppDatabase

    public init(_ database: AppDatabase) { self.database = database }

    public func hop<T: Sendable>(_ body: @escaping @Sendable (any UssdTransaction) throws -> T) async throws -> T {
        try await database.writer.writeWithoutTransaction { db in
            let tx = SQLiteUssdTransaction(db: db)
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(tx)
                return .commit
            }
            if tx.createdTicket.value { try AppDatabase.syncCommitted(db) }
            return result!
        }
    }

    public func sweepSessions(updatedBefore before: Date) async throws -> Int {
        try await database.writer.write { db in
            try db.execute(sql: "DELETE FROM ussd_sessions WHERE updated_at < ?", arguments: [before])
            return db.changesCount
        }
    }
}

/// A flag the transaction raises, read after commit. Only touched on the writer's queue.
final class Flag: @unchecked Sendable {
    var value = false
}

struct SQLiteUssdTransaction: UssdTransaction {
    let db: Database
    let createdTicket = Flag()

    private static let encoder = JSONEncoder()
    private static let decoder = JSONDecoder()

    func session(key: String) throws -> StoredSession? {
        try Row.fetchOne(db, sql: "SELECT * FROM ussd_sessions WHERE key = ?", arguments: [key]).flatMap(Self.session)
    }

    func unfinishedSession(of msisdn: MSISDN, since: Date, excluding key: String) throws -> StoredSession? {
        try Row.fetchOne(db, sql: """
            SELECT * FROM ussd_sessions
            WHERE msisdn = ? AND resumable = 1 AND updated_at >= ? AND key <> ?
            ORDER BY updated_at DESC LIMIT 1
            """, arguments: [msisdn.e164, since, key]).flatMap(Self.session)
    }

    static func session(_ row: Row) -> StoredSession? {
        guard let msisdn = MSISDN(row["msisdn"] as String),
              let state = (row["state"] as String).data(using: .utf8),
              let session = try? decoder.decode(Session.self, from: state) else { return nil }
        let reply: UssdReply? = (row["last_reply"] as String?).map { UssdReply(text: $0, isFinal: row["last_reply_final"] ?? false) }
        return StoredSession(
            key: row["key"], msisdn: msisdn, serviceCode: row["service_code"], session: session,
            lastText: row["last_text"], lastReply: reply, resumable: row["resumable"],
            createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    func save(_ s: StoredSession) throws {
        let state = String(decoding: try Self.encoder.encode(s.session), as: UTF8.self)
        try db.execute(sql: """
            INSERT INTO ussd_sessions (key, msisdn, service_code, state, last_text, last_reply, last_reply_final, resumable, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET
                state = excluded.state, last_text = excluded.last_text, last_reply = excluded.last_reply,
                last_reply_final = excluded.last_reply_final, resumable = excluded.resumable, updated_at = excluded.updated_at
            """, arguments: [s.key, s.msisdn.e164, s.serviceCode, state, s.lastText, s.lastReply?.text, s.lastReply?.isFinal,
                             s.resumable, s.createdAt, s.updatedAt])
    }

    func retire(sessionKey: String) throws {
        try db.execute(sql: "UPDATE ussd_sessions SET resumable = 0 WHERE key = ?", arguments: [sessionKey])
    }

    func language(of msisdn: MSISDN) throws -> String? {
        try String.fetchOne(db, sql: "SELECT language FROM subscribers WHERE msisdn = ?", arguments: [msisdn.e164])
    }

    func setLanguage(_ code: String, for msisdn: MSISDN, at: Date) throws {
        try db.execute(sql: """
            INSERT INTO subscribers (msisdn, language, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (msisdn) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at
            """, arguments: [msisdn.e164, code, at])
    }

    func referenceExists(_ reference: Reference) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM tickets WHERE reference = ?)", arguments: [reference.digits]) ?? false
    }

    func publicTicket(_ reference: Reference) throws -> PublicTicket? {
        try TicketRows.publicTicket(db, reference)
    }

    func recentTickets(of msisdn: MSISDN, limit: Int) throws -> [PublicTicket] {
        try TicketRows.recent(db, msisdn, limit: limit)
    }

    func create(_ ticket: NewTicket) throws {
        try TicketRows.insert(db, ticket)
        createdTicket.value = true
    }
}
