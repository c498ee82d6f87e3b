import Domain
import Foundation
import Gateway
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
        static let sql = """
            SELECT \(HopStatements.sessionColumns) FROM ussd_sessions
            WHERE msisdn = $1 AND resumable AND updated_at >= $2 AND key <> $3 AND key NOT LIKE 'sms:%' ORDER BY updated_at DESC LIMIT 1
            """
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
        static let sql = """
            UPDATE ussd_sessions SET msisdn = $2, service_code = $3, state = $4, last_text = $5, last_reply = $6, last_reply_final = $7,
                resumable = $8, version = $9, created_at = $10, updated_at = $11
            WHERE key = $1 AND version = $12 RETURNING key
            """
        typealias Row = String
        var session: StoredSession

        func makeBindings() throws -> PostgresBindings {
            var bindings = HopStatements.bindings(session)
            bindings.append(Int64(session.version - 1))
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String.self) }
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
