import Domain
import FlowEngine
import Foundation
import Gateway
import Logging
import Persistence
import PostgresNIO

/// The `ConversationStore` on PostgreSQL: a USSD hop or an SMS, from any instance.
///
/// Reading: the gateway plans a hop synchronously from `ConversationReads`. Here the plan runs
/// against what has been fetched so far; when it asks for something not fetched yet, that is
/// fetched and the plan runs again (planning is pure, so running it again is safe and cheap).
/// The reads are not one snapshot; they need not be: the write commits only if the session is
/// still at the version the plan saw, and a drawn reference only if nobody holds it.
public struct PostgresConversationStore: ConversationStore {
    let database: PostgresAppDatabase

    public init(_ database: PostgresAppDatabase) { self.database = database }

    var logger: Logger { database.logger }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any ConversationReads) throws -> T) async throws -> T {
        try await read(expecting: nil, body)
    }

    public func read<T: Sendable>(expecting caller: CallerReads?, _ body: @escaping @Sendable (any ConversationReads) throws -> T) async throws -> T {
        let reads = FetchedReads()
        var remembered: Set<String> = []  // sessions answered from memory, not yet checked
        for _ in 0..<32 {
            do {
                let decided = try body(reads)
                if remembered.isEmpty || (decided as? any HopDecision)?.writes == true { return decided }
                // Only a reply, decided on a remembered session: decide again on the stored one.
                for key in remembered { reads.values[.session(key)] = try await fetch(.session(key)) }
                remembered = []
            } catch let miss as FetchedReads.Miss {
                if case .session(let key) = miss.key, let session = database.sessions[key] {
                    reads.values[miss.key] = Optional(session) as any Sendable
                    remembered.insert(key)
                } else if case .session(let key) = miss.key, let caller, caller.sessionKey == key {
                    try await fetch(key, with: caller, into: reads)
                } else {
                    reads.values[miss.key] = try await fetch(miss.key)
                }
            }
        }
        throw GatewayError.contention
    }

    public func read<T: Sendable>(expecting caller: CallerReads, _ body: @escaping @Sendable (any ConversationReads) throws -> T) async throws -> T {
        try await read(expecting: Optional(caller), body)
    }

    /// A session not remembered, and what its first hop would ask about the caller were it new.
    func fetch(_ key: String, with caller: CallerReads, into reads: FetchedReads) async throws {
        let pseudonym = caller.pseudonym()
        let statement = HopStatements.SessionAndCaller(key: key, msisdn: caller.msisdn.e164, pseudonym: pseudonym, since: caller.unfinishedSince)
        guard let answer = try await first(database.hops.execute(statement, logger: logger)) else { throw GatewayError.contention }
        // Each answer stored as itself, nil included (assigning a nil would remove the key).
        reads.values[.session(key)] = answer.session as any Sendable
        reads.values[.language(caller.msisdn.e164)] = answer.language as any Sendable
        if let pseudonym { reads.values[.subscriber(pseudonym)] = answer.kept as any Sendable }
        if !answer.crewMember { reads.values[.crew(caller.msisdn.e164)] = Crew?.none as any Sendable }  // a member's crew is read when asked
        reads.values[.unfinished(msisdn: caller.msisdn.e164, since: caller.unfinishedSince, excluding: key)] = answer.unfinished as any Sendable
    }

    public func write(_ hop: HopWrite) async throws -> HopWriteOutcome {
        let outcome = try await commit(hop)
        if let s = hop.session {
            if outcome == .committed { database.sessions.remember(s) } else if outcome == .sessionChanged { database.sessions.forget(s.key) }
        }
        if outcome == .committed, let key = hop.retire { database.sessions.forget(key) }
        return outcome
    }

    func commit(_ hop: HopWrite) async throws -> HopWriteOutcome {
        if let s = hop.session, hop.changesOnlyTheSession {
            // Most hops: written with every other such hop waiting (`SessionWrites`), no BEGIN and COMMIT.
            return try await database.sessionWrites.save(s) ? .committed : .sessionChanged
        }
        if let s = hop.session, s.version > 1, hop.changesOnlyTheSessionAndLanguage, let msisdn = hop.msisdn, let language = hop.language {
            // The language hop: the same batch, the language kept only if the session moved.
            return try await database.sessionWrites.save(s, language: .init(msisdn: msisdn.e164, code: language)) ? .committed : .sessionChanged
        }
        if let outcome = try await confirmInOneStatement(hop) { return outcome }
        do {
            try await database.hops.withTransaction(logger: logger) { tx in try await Self.write(hop, tx, logger: logger) }
            return .committed
        } catch let failed as PostgresTransactionError {
            // PostgresNIO hands back what the closure threw, wrapped, after rolling back.
            guard let rollback = failed.closureError as? Rollback, failed.rollbackError == nil else { throw failed }
            return rollback.outcome
        }
    }

    /// A USSD confirmation (the session moved and a ticket filed under the daily cap, nothing
    /// else) in one prepared statement with no `BEGIN` and `COMMIT` (`TicketStatements.confirmation`);
    /// nil when the hop is not one, or when its MOE has webhooks or its service an open incident,
    /// whose writes go in a transaction (`write`). A retried hop and a subscribed MOE are answered
    /// by the statement's row, not by an error: only a refusal after the session moved fails it.
    func confirmInOneStatement(_ hop: HopWrite) async throws -> HopWriteOutcome? {
        guard let s = hop.session, s.version > 1, hop.filesOnlyATicket, let ticket = hop.ticket, let cap = hop.reportLimit else { return nil }
        let (moe, service) = (ticket.destination.moe, ticket.draft.service)
        guard database.confirmationRoutes.inOneStatement(moe: moe, service: service, now: hop.at),
              let statement = Prepared<OneStatementConfirmationShape>(TicketStatements.confirmation(ticket, cap: cap, moveIf: { HopStatements.move(s, if: $0) },
                                                                                                     lockKey: Self.reportsLock))
        else { return nil }
        do {
            var answer: PostgresSQLRow?
            for try await row in try await database.hops.execute(statement, logger: logger) { answer = row }
            guard let answer else { throw PostgresStoreError.noRowReturned }
            if try answer.integer("id") != nil { return .committed }
            if try answer.bool(required: "plain") { return .sessionChanged }
            database.confirmationRoutes.needsMoreWrites(moe: moe, service: service, now: hop.at)
            return nil
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == TicketStatements.Unconfirmed.sqlState {
            switch TicketStatements.Unconfirmed(rawValue: error.serverInfo?[.message] ?? "") {
            case .reportLimitReached: return .reportLimitReached
            case .referenceTaken: return .referenceTaken
            case nil: throw error
            }
        }
    }

    public func idleConversations(prefix: String, updatedBefore before: Date, limit: Int) async throws -> [StoredSession] {
        var found: [StoredSession] = []
        let rows = try await database.client.query("""
            SELECT \(unescaped: HopStatements.sessionColumns) FROM ussd_sessions WHERE key LIKE \(prefix + "%") AND resumable AND updated_at < \(before)
            ORDER BY updated_at LIMIT \(Int64(max(1, min(limit, 10_000))))
            """, logger: logger)
        for try await row in rows.decode(HopStatements.SessionRow.self) {
            if let s = HopStatements.session(row) { found.append(s) }
        }
        return found
    }

    public func sweepSessions(updatedBefore before: Date) async throws -> Int {
        let dayEarlier = before.addingTimeInterval(-86400)
        return try await database.client.withTransaction(logger: logger) { tx in
            // One instance sweeps at a time; the others skip this round (the lock ends with the
            // transaction, so when that instance dies another takes over next time).
            var mine = false
            for try await got in try await tx.query("SELECT pg_try_advisory_xact_lock(\(Self.sweepLock))", logger: logger).decode(Bool.self) { mine = got }
            guard mine else { return 0 }
            let swept = try await tx.query("""
                DELETE FROM ussd_sessions WHERE updated_at < \(before) AND NOT (resumable AND key LIKE 'sms:%') RETURNING key
                """, logger: logger)
                .decode(String.self).reduce(0) { n, _ in n + 1 }
            try await tx.query("DELETE FROM staff_sessions WHERE last_seen_at < \(dayEarlier)", logger: logger)
            try await tx.query("DELETE FROM sign_in_failures WHERE last_at < \(dayEarlier)", logger: logger)
            try await tx.query("DELETE FROM rate_buckets WHERE at < \(dayEarlier)", logger: logger)
            return swept
        }
    }

    /// The advisory lock key of the session sweep ("cgsweep").
    public static let sweepLock: Int64 = 0x63_6773_7765_6570

    /// The first advisory lock key of a number's reports ("cgrp"), the second its hash.
    static let reportsLock: Int32 = 0x6367_7270

    /// Ends the transaction without committing, saying why.
    struct Rollback: Error {
        var outcome: HopWriteOutcome
    }

    static func write(_ hop: HopWrite, _ tx: PostgresConnection, logger: Logger) async throws {
        if let r = hop.inbound {
            // Delivered twice: the reread sees it recorded and does nothing.
            let inserted = try await tx.query("""
                INSERT INTO inbound_sms (provider, provider_id, msisdn, body, received_at)
                VALUES (\(r.provider), \(r.providerID), \(r.from.e164), \(r.text), \(r.receivedAt))
                ON CONFLICT (provider, provider_id) DO NOTHING RETURNING id
                """, logger: logger).decode(Int64.self).reduce(0) { n, _ in n + 1 }
            guard inserted == 1 else { throw Rollback(outcome: .sessionChanged) }
        }
        // A ticket under the daily cap: the reports are counted in the ticket's own statement
        // (`TicketStatements.insertCreated`), and the number's advisory lock is taken with the
        // session's move, unless the hop writes the caller's subscriber row: that row is locked
        // before the advisory lock by every other hop, and one order for all keeps them from
        // deadlocking.
        let capped = hop.ticket != nil ? hop.reportLimit : nil
        var lockedReports = false
        if let s = hop.session, let cap = capped, s.version > 1, !hop.writesSubscriber {
            let moved = try await tx.execute(HopStatements.MoveSessionAndLockReports(session: s, msisdn: cap.msisdn.e164), logger: logger)
                .reduce(0) { n, _ in n + 1 }
            guard moved == 1 else { throw Rollback(outcome: .sessionChanged) }
            lockedReports = true
        } else if let s = hop.session {
            guard try await save(s, tx, logger: logger) else { throw Rollback(outcome: .sessionChanged) }
        }
        if let key = hop.retire {
            try await tx.query("UPDATE ussd_sessions SET resumable = false WHERE key = \(key)", logger: logger)
        }
        if let msisdn = hop.msisdn?.e164 {
            if hop.firstContact {
                try await tx.query("INSERT INTO subscribers (msisdn, updated_at) VALUES (\(msisdn), \(hop.at)) ON CONFLICT (msisdn) DO NOTHING", logger: logger)
            }
            if let code = hop.language {
                try await tx.query("""
                    INSERT INTO subscribers (msisdn, language, updated_at) VALUES (\(msisdn), \(code), \(hop.at))
                    ON CONFLICT (msisdn) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at
                    """, logger: logger)
            }
            if let optOut = hop.optOut {
                let since: Date? = optOut ? hop.at : nil
                try await tx.query("""
                    INSERT INTO subscribers (msisdn, opted_out, opted_out_at, updated_at) VALUES (\(msisdn), \(optOut), \(since), \(hop.at))
                    ON CONFLICT (msisdn) DO UPDATE SET opted_out = excluded.opted_out, opted_out_at = excluded.opted_out_at, updated_at = excluded.updated_at
                    """, logger: logger)
            }
            if let at = hop.helpSentAt {
                try await tx.query("""
                    INSERT INTO subscribers (msisdn, last_help_at, updated_at) VALUES (\(msisdn), \(at), \(at))
                    ON CONFLICT (msisdn) DO UPDATE SET last_help_at = excluded.last_help_at, updated_at = excluded.updated_at
                    """, logger: logger)
            }
        }
        if hop.ticket != nil || hop.join != nil, let cap = hop.reportLimit, !lockedReports {
            // One number's reports are counted one transaction at a time, across instances.
            try await tx.perform("SELECT pg_advisory_xact_lock(\(Self.reportsLock), hashtext(\(cap.msisdn.e164)))::text", logger: logger)
            if capped == nil {
                let made = try await PostgresStatements.fetch(tx, ReportStatements.made(by: cap.msisdn, since: cap.since), logger: logger).first?.integer(required: "n") ?? 0
                if made >= cap.limit { throw Rollback(outcome: .reportLimitReached) }
            }
        }
        var ticketID: Int64?
        if let ticket = hop.ticket {
            switch try await PostgresTicketRows.insert(ticket, cap: capped, tx, logger: logger) {
            case .filed(let id): ticketID = id
            case .referenceTaken: throw Rollback(outcome: .referenceTaken)
            case .limitReached: throw Rollback(outcome: .reportLimitReached)
            }
        }
        for message in hop.messages {
            try await PostgresTicketRows.enqueue(message, ticketID: ticketID, at: hop.at, tx, logger: logger)
        }
        if let chase = hop.chase { _ = try await PostgresStatements.run(TicketStatements.chase(chase, at: hop.at), tx, logger: logger) }
        if let answer = hop.surveyAnswer { _ = try await PostgresStatements.run(TicketStatements.answer(answer, at: hop.at), tx, logger: logger) }
        if let field = hop.field { _ = try await PostgresStatements.run(CrewStatements.field(field, at: hop.at), tx, logger: logger) }
        if let attachment = hop.attachment { try await PostgresIncidentRows.attach(tx, attachment, at: hop.at, logger: logger) }
        if let join = hop.join { try await PostgresStatements.run(ReportStatements.join(join, at: hop.at), tx, logger: logger) }
        if let alerts = hop.alerts { try await PostgresStatements.run(SQLFlow.write(AlertStatements.apply(alerts, at: hop.at), ()), tx, logger: logger) }
    }

    /// Inserts a new session or moves a stored one on by one version, inside a hop's transaction;
    /// false when another hop got there first.
    static func save(_ s: StoredSession, _ tx: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = s.version <= 1 ? try await tx.execute(HopStatements.InsertSession(session: s), logger: logger).reduce(0) { n, _ in n + 1 }
                                  : try await tx.execute(HopStatements.MoveSession(session: s), logger: logger).reduce(0) { n, _ in n + 1 }
        return rows == 1
    }

    // MARK: Reads

    func fetch(_ key: FetchedReads.Key) async throws -> any Sendable {
        let (client, hops) = (database.client, database.hops)
        switch key {
        case .session(let k):
            return try await first(hops.execute(HopStatements.SessionByKey(key: k), logger: logger)).flatMap(HopStatements.session)
        case .unfinished(let msisdn, let since, let excluding):
            return try await first(hops.execute(HopStatements.UnfinishedSession(msisdn: msisdn, since: since, excluding: excluding), logger: logger))
                .flatMap(HopStatements.session)
        case .language(let msisdn):
            return try await first(hops.execute(HopStatements.Language(msisdn: msisdn), logger: logger)) ?? nil
        case .referenceExists(let digits):
            return try await first(hops.execute(HopStatements.ReferenceTaken(digits: digits), logger: logger)) != nil
        case .publicTicket(let digits):
            return try await PostgresTicketRows.publicTickets(client.query("""
                SELECT \(unescaped: RequestStatements.publicColumns) FROM \(unescaped: RequestStatements.from) WHERE t.reference = \(digits)
                """, logger: logger)).first
        case .recent(let msisdn, let limit):
            return try await PostgresTicketRows.publicTickets(client.query("""
                SELECT \(unescaped: RequestStatements.publicColumns) FROM \(unescaped: RequestStatements.from)
                WHERE t.reporter = \(msisdn) ORDER BY t.created_at DESC, t.id DESC LIMIT \(limit)
                """, logger: logger))
        case .subscriber(let msisdn):
            return try await first(client.query("SELECT language, opted_out, last_help_at FROM subscribers WHERE msisdn = \(msisdn)", logger: logger)
                .decode((String?, Bool, Date?).self)).map { Subscriber(language: $0.0, optedOut: $0.1, lastHelpAt: $0.2) }
        case .inboundSeen(let provider, let id):
            return try await first(client.query("SELECT id FROM inbound_sms WHERE provider = \(provider) AND provider_id = \(id)", logger: logger)
                .decode(Int64.self)) != nil
        case .chase(let digits, let msisdn, let since):
            let facts: ChaseFacts?? = try await first(client.query("""
                SELECT COALESCE(t.reporter = \(msisdn), false) OR EXISTS (SELECT 1 FROM tickets d WHERE d.duplicate_of = t.id AND d.reporter = \(msisdn)),
                       t.status, t.due_at, t.paused_at,
                       EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'chased' AND e.at >= \(since)),
                       t.escalation_level
                FROM tickets t WHERE t.reference = \(digits)
                """, logger: logger).decode((Bool, String, Date?, Date?, Bool, Int32).self)).map { row in
                ChaseFacts(isReporter: row.0, status: TicketStatus(rawValue: row.1) ?? .new, dueAt: row.2, pausedAt: row.3, chasedToday: row.4,
                           escalationLevel: Int(row.5))
            }
            return facts ?? nil
        case .openSurvey(let msisdn, let since):
            let newest = try await first(client.query("""
                SELECT id, reference, answered_at FROM surveys WHERE msisdn = \(msisdn) AND sent_at >= \(since) ORDER BY sent_at DESC, id DESC LIMIT 1
                """, logger: logger).decode((Int64, String, Date?).self))
            guard let (id, digits, answered) = newest, answered == nil, let reference = try? Reference(parsing: digits) else { return OpenSurvey?.none }
            return OpenSurvey?.some(OpenSurvey(id: id, reference: reference))
        case .openIncidents(let service):
            return try await database.openIncidents.incidents(of: service) {
                try await client.withConnection { c in try await PostgresIncidentRows.open(c, service: service, logger: logger) }
            }
        case .crew(let msisdn):
            guard let number = MSISDN(msisdn) else { return Crew?.none }
            return try await client.withConnection { c in try await PostgresStatements.fetch(c, CrewStatements.member(number), logger: logger) }
                .first.map(CrewStatements.crew)
        case .fieldState(let digits):
            guard let reference = try? Reference(parsing: digits) else { return TicketState?.none }
            return try await client.withConnection { c in try await PostgresStatements.fetch(c, CrewStatements.fieldState(reference), logger: logger) }
                .first.map(CrewStatements.fieldState)
        case .jobs(let id, let limit):
            return try await client.withConnection { c in try await PostgresStatements.fetch(c, CrewStatements.jobs(crew: id, limit: limit), logger: logger) }
                .map(CrewStatements.job)
        case .duplicates(let service, let area, let since, let digits, let caller, let limit):
            guard let caller = MSISDN(caller) else { return [DuplicateCandidate]() }
            let offers = ReportStatements.offers(service: service, area: area, since: since, digits: digits, notReportedBy: caller, limit: limit)
            return try await hops.withConnection { c in try await Prepared<OffersShape>.rows(offers, c, logger: logger) }.map(DuplicateStatements.candidate)
        case .alertAreas(let number):
            guard let msisdn = MSISDN(number) else { return [String]() }
            return try await client.withConnection { c in try await PostgresStatements.fetch(c, AlertStatements.areas(of: msisdn), logger: logger) }
                .map { try $0.text(required: "area") }
        }
    }

    func first<S: AsyncSequence>(_ rows: S) async throws -> S.Element? {
        for try await row in rows { return row }
        return nil
    }
}

/// What a hop's plan has asked for so far. A question not answered yet throws `Miss`, and the
/// store fetches the answer and runs the plan again. Used by one task at a time.
final class FetchedReads: ConversationReads, @unchecked Sendable {
    enum Key: Hashable, Sendable {
        case session(String)
        case unfinished(msisdn: String, since: Date, excluding: String)
        case language(String)
        case referenceExists(String)
        case publicTicket(String)
        case recent(msisdn: String, limit: Int)
        case subscriber(String)
        case inboundSeen(provider: String, id: String)
        case chase(reference: String, msisdn: String, since: Date)
        case openSurvey(msisdn: String, since: Date)
        case openIncidents(service: String)
        case crew(String)
        case jobs(crew: Int64, limit: Int)
        case fieldState(String)
        case duplicates(service: String, area: String?, since: Date, digits: String?, caller: String, limit: Int)
        case alertAreas(String)
    }

    struct Miss: Error {
        var key: Key
    }

    var values: [Key: any Sendable] = [:]

    func value<T>(_ key: Key) throws -> T {
        guard let value = values[key] else { throw Miss(key: key) }
        guard let typed = value as? T else { throw Miss(key: key) }
        return typed
    }

    func session(key: String) throws -> StoredSession? { try value(.session(key)) }
    func unfinishedSession(of msisdn: MSISDN, since: Date, excluding key: String) throws -> StoredSession? {
        try value(.unfinished(msisdn: msisdn.e164, since: since, excluding: key))
    }
    func language(of msisdn: MSISDN) throws -> String? { try value(.language(msisdn.e164)) }
    func referenceExists(_ reference: Reference) throws -> Bool { try value(.referenceExists(reference.digits)) }
    func publicTicket(_ reference: Reference) throws -> PublicTicket? { try value(.publicTicket(reference.digits)) }
    func recentTickets(of msisdn: MSISDN, limit: Int) throws -> [PublicTicket] { try value(.recent(msisdn: msisdn.e164, limit: limit)) }
    func subscriber(_ msisdn: MSISDN) throws -> Subscriber? { try value(.subscriber(msisdn.e164)) }
    func subscriber(key: String) throws -> Subscriber? { try value(.subscriber(key)) }
    func inboundSeen(provider: String, id: String) throws -> Bool { try value(.inboundSeen(provider: provider, id: id)) }
    func chaseFacts(_ reference: Reference, by msisdn: MSISDN, since: Date) throws -> ChaseFacts? {
        try value(.chase(reference: reference.digits, msisdn: msisdn.e164, since: since))
    }
    func openSurvey(of msisdn: MSISDN, since: Date) throws -> OpenSurvey? { try value(.openSurvey(msisdn: msisdn.e164, since: since)) }
    func openIncidents(service: String) throws -> [Incident] { try value(.openIncidents(service: service)) }
    func alertAreas(of msisdn: MSISDN) throws -> [String] { try value(.alertAreas(msisdn.e164)) }
    func crew(of msisdn: MSISDN) throws -> Crew? { try value(.crew(msisdn.e164)) }
    func jobs(ofCrew id: Int64, limit: Int) throws -> [CrewJob] { try value(.jobs(crew: id, limit: limit)) }
    func fieldState(_ reference: Reference) throws -> TicketState? { try value(.fieldState(reference.digits)) }
    func duplicateCandidates(service: String, area: String?, since: Date, digits: String?, notReportedBy caller: MSISDN, limit: Int) throws
        -> [DuplicateCandidate] {
        try value(.duplicates(service: service, area: area, since: since, digits: digits, caller: caller.e164, limit: limit))
    }
}
