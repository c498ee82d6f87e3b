import Foundation
import Gateway
import Logging
import PostgresNIO
import Synchronization

/// The hops that only move a caller on (most hops: a new session, the next screen, the language
/// chosen), written for many callers at once: one prepared statement carries every such hop
/// waiting, however many, so PostgreSQL is woken and commits once for all of them.
///
/// Nothing waits on a clock. The first hop is written at once; hops that arrive while
/// `flights` writes are out wait for one to come back and then go together. Under light load a hop
/// is written alone, as before; under heavy load a write carries as many hops as arrived during the
/// last one's round trip.
///
/// Each hop in a batch is decided as it would be alone: a new session is inserted unless its key is
/// taken, a stored one moves only from the version the hop planned on, and only a hop whose session
/// was written keeps its language. A batch holds a session key at most once, and a caller's
/// language at most once (a second waits for the next batch). If a batch fails as a whole (a
/// deadlock with another instance, a dropped connection), each of its hops is written alone.
final class SessionWrites: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// How many batches may be out at once.
    let flights: Int
    /// The most hops one statement carries.
    let batchLimit: Int

    private struct Waiting {
        var hops: [Hop] = []
        var flying = 0
    }
    private let waiting = Mutex(Waiting())

    struct Hop: Sendable {
        var session: StoredSession
        var language: Language?
        var done: CheckedContinuation<Bool, any Error>
    }

    /// A caller's language, kept with the session that chose it.
    struct Language: Sendable, Equatable {
        var msisdn: String
        var code: String
    }

    init(client: PostgresClient, logger: Logger, flights: Int = 1, batchLimit: Int = 256) {
        self.client = client
        self.logger = logger
        self.flights = max(1, flights)
        self.batchLimit = max(1, batchLimit)
    }

    /// Inserts a new session (version 1) or moves a stored one on by one version, keeping `language`
    /// with it; false when another hop got there first (nothing of this hop is written).
    func save(_ session: StoredSession, language: Language? = nil) async throws -> Bool {
        try await withCheckedThrowingContinuation { done in
            let batch = waiting.withLock { w -> [Hop]? in
                w.hops.append(Hop(session: session, language: language, done: done))
                guard w.flying < flights else { return nil }
                w.flying += 1
                return Self.take(&w.hops, limit: batchLimit)
            }
            if let batch { Task { await self.fly(batch) } }
        }
    }

    /// Writes `first`, then whatever waited meanwhile, until nothing waits.
    private func fly(_ first: [Hop]) async {
        var batch = first
        while true {
            await write(batch)
            let next = waiting.withLock { w -> [Hop]? in
                guard !w.hops.isEmpty else {
                    w.flying -= 1
                    return nil
                }
                return Self.take(&w.hops, limit: batchLimit)
            }
            guard let next else { return }
            batch = next
        }
    }

    /// The oldest waiting hops, at most `limit`, no session key and no caller's language twice.
    static func take(_ hops: inout [Hop], limit: Int) -> [Hop] {
        var batch: [Hop] = []
        var left: [Hop] = []
        var keys = Set<String>()
        var callers = Set<String>()
        for hop in hops {
            let callerFree = hop.language.map { !callers.contains($0.msisdn) } ?? true
            if batch.count < limit, !keys.contains(hop.session.key), callerFree {
                keys.insert(hop.session.key)
                if let language = hop.language { callers.insert(language.msisdn) }
                batch.append(hop)
            } else {
                left.append(hop)
            }
        }
        hops = left
        return batch
    }

    private func write(_ batch: [Hop]) async {
        do {
            var saved = Set<String>()
            for try await key in try await client.execute(SaveSessions(batch.map { ($0.session, $0.language) }), logger: logger) {
                saved.insert(key)
            }
            for hop in batch { hop.done.resume(returning: saved.contains(hop.session.key)) }
        } catch {
            guard batch.count > 1 else {
                batch[0].done.resume(throwing: error)
                return
            }
            logger.debug("session batch failed, writing its hops one by one", metadata: ["hops": "\(batch.count)", "error": "\(String(reflecting: error))"])
            await withTaskGroup(of: Void.self) { group in
                for hop in batch { group.addTask { await self.write([hop]) } }
            }
        }
    }
}

/// Every session of a batch inserted or moved on, and the languages chosen, in one statement; the
/// keys of the sessions written come back.
struct SaveSessions: PostgresPreparedStatement {
    static let name = "cg_save_sessions"
    static let sql = """
        WITH b AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::bool[], $9::int8[],
                                 $10::timestamptz[], $11::timestamptz[], $12::text[], $13::text[])
                AS b(key, msisdn, service_code, state, last_text, last_reply, last_reply_final, resumable, version, created_at, updated_at,
                     language_msisdn, language)
        ), inserted AS (
            INSERT INTO ussd_sessions (\(HopStatements.sessionColumns))
            SELECT \(HopStatements.sessionColumns) FROM b WHERE b.version <= 1
            ON CONFLICT (key) DO NOTHING RETURNING key
        ), moved AS (
            UPDATE ussd_sessions s SET msisdn = b.msisdn, service_code = b.service_code, state = b.state, last_text = b.last_text,
                last_reply = b.last_reply, last_reply_final = b.last_reply_final, resumable = b.resumable, version = b.version,
                created_at = b.created_at, updated_at = b.updated_at
            FROM b WHERE s.key = ANY($1::text[]) AND b.version > 1 AND s.key = b.key AND s.version = b.version - 1 RETURNING s.key
        ), saved AS (
            SELECT key FROM inserted UNION ALL SELECT key FROM moved
        ), languages AS (
            INSERT INTO subscribers (msisdn, language, updated_at)
            SELECT b.language_msisdn, b.language, b.updated_at FROM b JOIN saved ON saved.key = b.key WHERE b.language IS NOT NULL
            ON CONFLICT (msisdn) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at
        )
        SELECT key FROM saved
        """
    typealias Row = String
    var hops: [(session: StoredSession, language: SessionWrites.Language?)]

    init(_ hops: [(StoredSession, SessionWrites.Language?)]) { self.hops = hops.map { (session: $0.0, language: $0.1) } }

    func makeBindings() throws -> PostgresBindings {
        let sessions = hops.map(\.session)
        var bindings = PostgresBindings(capacity: 13)
        bindings.append(sessions.map(\.key))
        bindings.append(sessions.map(\.msisdn.e164))
        bindings.append(sessions.map(\.serviceCode))
        bindings.append(sessions.map { SessionCodec.encode($0.session) })
        bindings.append(NullableArray(sessions.map(\.lastText)))
        bindings.append(NullableArray(sessions.map { $0.lastReply?.text }))
        bindings.append(NullableArray(sessions.map { $0.lastReply?.isFinal }))
        bindings.append(sessions.map(\.resumable))
        bindings.append(sessions.map { Int64($0.version) })
        bindings.append(sessions.map(\.createdAt))
        bindings.append(sessions.map(\.updatedAt))
        bindings.append(NullableArray(hops.map { $0.language?.msisdn }))
        bindings.append(NullableArray(hops.map { $0.language?.code }))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String.self) }
}

/// A one-dimensional PostgreSQL array whose elements may be NULL, in the binary format
/// (PostgresNIO's own arrays cannot hold a NULL).
struct NullableArray<Element: PostgresArrayEncodable & PostgresNonThrowingEncodable>: PostgresNonThrowingEncodable {
    var elements: [Element?]

    init(_ elements: [Element?]) { self.elements = elements }

    static var psqlType: PostgresDataType { Element.psqlArrayType }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(elements.isEmpty ? 0 : 1, as: Int32.self)  // dimensions
        buffer.writeInteger(elements.contains { $0 == nil } ? 1 : 0, as: Int32.self)  // has NULLs
        buffer.writeInteger(Element.psqlType.rawValue)
        guard !elements.isEmpty else { return }
        buffer.writeInteger(Int32(elements.count))  // length
        buffer.writeInteger(1, as: Int32.self)  // lower bound
        for element in elements {
            guard let element else {
                buffer.writeInteger(-1, as: Int32.self)
                continue
            }
            let lengthAt = buffer.writerIndex
            buffer.writeInteger(0, as: Int32.self)
            element.encode(into: &buffer, context: context)
            buffer.setInteger(Int32(buffer.writerIndex - lengthAt - 4), at: lengthAt)
        }
    }
}
