import Domain
import Foundation
import Gateway
import Persistence
import PostgresNIO

/// The reads every USSD hop makes, as named prepared statements: each connection parses and plans
/// them once, and a hop then sends only the statement's name and its values.
enum HopStatements {
    typealias SessionRow = (String, String, String, String, String?, String?, Bool?, Bool, Int64, Date, Date)

    static let sessionColumns = "key, msisdn, service_code, state, last_text, last_reply, last_reply_final, resumable, version, created_at, updated_at"

    /// The session a hop belongs to, by the aggregator's session key.
    struct SessionByKey: PostgresPreparedStatement {
        static let name = "cg_session_by_key"
        static let sql = "SELECT \(HopStatements.sessionColumns) FROM ussd_sessions WHERE key = $1"
        typealias Row = SessionRow
        var key: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(key)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// A caller's latest session that was dropped before it finished, to offer to resume it.
    struct UnfinishedSession: PostgresPreparedStatement {
        static let name = "cg_unfinished_session"
        static let sql = "SELECT \(HopStatements.sessionColumns) FROM \(HopStatements.unfinished(msisdn: "$1", since: "$2", excluding: "$3"))"
        typealias Row = SessionRow
        var msisdn: String
        var since: Date
        var excluding: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(msisdn)
            bindings.append(since)
            bindings.append(excluding)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// A caller's chosen language, if any.
    struct Language: PostgresPreparedStatement {
        static let name = "cg_language"
        static let sql = "SELECT language FROM subscribers WHERE msisdn = $1"
        typealias Row = String?
        var msisdn: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(msisdn)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String?.self) }
    }

    /// Whether a freshly drawn reference is already someone's.
    struct ReferenceTaken: PostgresPreparedStatement {
        static let name = "cg_reference_taken"
        static let sql = "SELECT id FROM tickets WHERE reference = $1"
        typealias Row = Int64
        var digits: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(digits)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Int64.self) }
    }

    /// A new session, unless a hop with the same key got there first (then no row comes back).
    struct InsertSession: PostgresPreparedStatement {
        static let name = "cg_insert_session"
        static let sql = """
            INSERT INTO ussd_sessions (\(HopStatements.sessionColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            ON CONFLICT (key) DO NOTHING RETURNING key
            """
        typealias Row = String
        var session: StoredSession

        func makeBindings() throws -> PostgresBindings { HopStatements.bindings(session) }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String.self) }
    }

    /// A stored session moved on by one version, unless another hop moved it first (no row).
    struct MoveSession: PostgresPreparedStatement {
        static let name = "cg_move_session"
        static let sql = PostgresStatements.query(HopStatements.move(PreparedSamples.session)).sql
        typealias Row = String
        var session: StoredSession

        func makeBindings() throws -> PostgresBindings { PostgresStatements.query(HopStatements.move(session)).binds }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String.self) }
    }

    /// `MoveSession`'s statement: every value bound, so every session's has the same text. With
    /// `condition`, the session moves only when that holds too.
    static func move(_ s: StoredSession, if condition: SQL? = nil) -> SQL {
        let moved: SQL = """
            UPDATE ussd_sessions SET msisdn = \(s.msisdn.e164), service_code = \(s.serviceCode), state = \(SessionCodec.encode(s.session)),
                last_text = \(s.lastText), last_reply = \(s.lastReply?.text), last_reply_final = \(s.lastReply?.isFinal), resumable = \(s.resumable),
                version = \(Int64(s.version)), created_at = \(s.createdAt), updated_at = \(s.updatedAt)
            WHERE key = \(s.key) AND version = \(Int64(s.version - 1))
            """
        return moved + (condition.map { " AND " + $0 } ?? "") + " RETURNING key"
    }

    /// A confirmation's session moved on, then the advisory lock on its caller's reports taken
    /// (`PostgresConversationStore.reportsLock`), in one statement; no row (and no lock) when
    /// another hop moved the session first.
    struct MoveSessionAndLockReports: PostgresPreparedStatement {
        static let name = "cg_move_session_lock_reports"
        static let sql = "WITH moved AS (\(MoveSession.sql)) SELECT key, pg_advisory_xact_lock($13, hashtext($14))::text FROM moved"
        typealias Row = String
        var session: StoredSession
        var msisdn: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = try MoveSession(session: session).makeBindings()
            bindings.append(PostgresConversationStore.reportsLock)
            bindings.append(msisdn)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String.self) }
    }

    /// A session not remembered, with everything its first hop asks about the caller when it is
    /// new (`CallerReads`), in one round trip: the session, the caller's language, what is kept
    /// under its pseudonym, whether it is a crew member, and its latest dropped session.
    struct SessionAndCaller: PostgresPreparedStatement {
        static let name = "cg_session_and_caller"
        static let sql = """
            SELECT \(columns("s")), l.language, p.language, p.opted_out, p.last_help_at, p.msisdn IS NOT NULL,
                   EXISTS (SELECT 1 FROM crew_members m JOIN crews c ON c.id = m.crew_id WHERE m.msisdn = $2 AND c.removed_at IS NULL),
                   \(columns("u"))
            FROM (SELECT 1) AS one
            LEFT JOIN ussd_sessions s ON s.key = $1
            LEFT JOIN subscribers l ON l.msisdn = $2
            LEFT JOIN subscribers p ON p.msisdn = $3
            LEFT JOIN LATERAL (SELECT * FROM \(HopStatements.unfinished(msisdn: "$2", since: "$4", excluding: "$1"))) u ON true
            """
        typealias Row = Answer
        var key: String
        var msisdn: String
        var pseudonym: String?
        var since: Date

        struct Answer {
            var session: StoredSession?
            var language: String?
            var kept: Subscriber?
            var crewMember: Bool
            var unfinished: StoredSession?
        }

        static func columns(_ table: String) -> String {
            sessionColumns.split(separator: ",").map { "\(table).\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", ")
        }

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 4)
            bindings.append(key)
            bindings.append(msisdn)
            bindings.append(pseudonym)
            bindings.append(since)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let cells = row.makeRandomAccess()
            func session(at i: Int) throws -> StoredSession? {
                guard let key = try cells[i].decode(String?.self) else { return nil }
                return HopStatements.session((key, try cells[i + 1].decode(String.self), try cells[i + 2].decode(String.self),
                                              try cells[i + 3].decode(String.self), try cells[i + 4].decode(String?.self),
                                              try cells[i + 5].decode(String?.self), try cells[i + 6].decode(Bool?.self),
                                              try cells[i + 7].decode(Bool.self), try cells[i + 8].decode(Int64.self),
                                              try cells[i + 9].decode(Date.self), try cells[i + 10].decode(Date.self)))
            }
            let kept = try cells[15].decode(Bool.self)
                ? Subscriber(language: try cells[12].decode(String?.self), optedOut: try cells[13].decode(Bool.self), lastHelpAt: try cells[14].decode(Date?.self))
                : nil
            return Answer(session: try session(at: 0), language: try cells[11].decode(String?.self), kept: kept, crewMember: try cells[16].decode(Bool.self),
                          unfinished: try session(at: 17))
        }
    }

    /// A caller's latest session dropped before it finished (what follows `FROM`), with the
    /// parameters' placeholders.
    static func unfinished(msisdn: String, since: String, excluding key: String) -> String {
        """
        ussd_sessions WHERE msisdn = \(msisdn) AND resumable AND updated_at >= \(since) AND key <> \(key) AND key NOT LIKE 'sms:%'
        ORDER BY updated_at DESC LIMIT 1
        """
    }

        /// A session's columns in `sessionColumns` order.
    static func bindings(_ s: StoredSession) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 12)
        bindings.append(s.key)
        bindings.append(s.msisdn.e164)
        bindings.append(s.serviceCode)
        bindings.append(SessionCodec.encode(s.session))
        bindings.append(s.lastText)
        bindings.append(s.lastReply?.text)
        bindings.append(s.lastReply?.isFinal)
        bindings.append(s.resumable)
        bindings.append(Int64(s.version))
        bindings.append(s.createdAt)
        bindings.append(s.updatedAt)
        return bindings
    }

    /// A stored session from its row; nil for a row this version cannot read (left to expire).
    static func session(_ row: SessionRow) -> StoredSession? {
        let (key, number, code, state, lastText, lastReply, final, resumable, version, created, updated) = row
        guard let msisdn = MSISDN(number), let session = SessionCodec.decode(state) else { return nil }
        return StoredSession(key: key, msisdn: msisdn, serviceCode: code, session: session, lastText: lastText,
                             lastReply: lastReply.map { UssdReply(text: $0, isFinal: final ?? false) }, resumable: resumable,
                             version: Int(version), createdAt: created, updatedAt: updated)
    }
}
