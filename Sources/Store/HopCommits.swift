import Foundation
import Gateway
import GRDB
import Persistence
import Synchronization

/// Group commit of the hops that store something (a ticket, a language, STOP, an SMS...). Hops
/// arriving while the writer is busy wait together, and the next round commits all of them in
/// one transaction, each in a savepoint of its own (a hop that is refused or fails rolls back
/// alone), with one fsync for the tickets among them. A hop's reply leaves only after the round's
/// commit has returned; a round with a ticket or a promise to tell commits with
/// `synchronous = FULL`, so the WAL is on disk first: the same guarantee as a transaction per
/// hop, for one fsync per round instead of one per ticket. When hops arrive one at a time, a
/// round holds one hop and nothing waits for anything else.
public final class HopCommitter: Sendable {
    struct Waiting {
        let hop: HopWrite
        let state: String?
        let continuation: CheckedContinuation<HopWriteOutcome, any Error>
        let queued = ContinuousClock.now
    }

    struct Queue {
        var waiting: [Waiting] = []
        var committing = false
    }

    let queue = Mutex(Queue())
    /// Told what each round took, once its hops are resumed (`AppDatabase.observeRounds`).
    let observer = Mutex<(@Sendable (RoundFigures) -> Void)?>(nil)
    let writer: any DatabaseWriter
    let live: LiveSessions
    /// Checked after every round: rounds are what keeps it trusted under load.
    let callers: KnownCallers

    init(writer: any DatabaseWriter, live: LiveSessions, callers: KnownCallers) {
        self.writer = writer
        self.live = live
        self.callers = callers
    }

    /// Stores the hop with the next round; returns when that round has committed (or failed).
    /// Rounds run on the writer's own queue, one after another, each taking every hop waiting
    /// when it starts; other writes (session saves, the outbox) take their turn between rounds.
    /// A round belongs to no request's task: a caller hanging up cannot cancel other callers'
    /// tickets with it.
    func commit(_ hop: HopWrite) async throws -> HopWriteOutcome {
        let state = hop.session.map { SessionCodec.encode($0.session) }
        return try await withCheckedThrowingContinuation { continuation in
            let start = queue.withLock { q -> Bool in
                q.waiting.append(Waiting(hop: hop, state: state, continuation: continuation))
                if q.committing { return false }
                q.committing = true
                return true
            }
            if start { scheduleRound() }
        }
    }

    func scheduleRound() {
        writer.asyncWriteWithoutTransaction { db in
            let batch = self.queue.withLock { q in
                defer { q.waiting = [] }
                return q.waiting
            }
            // After the batch is taken, so every hop in it was handed over before: no wait below zero.
            let started = ContinuousClock.now
            let results: [Result<HopWriteOutcome, any Error>]
            do {
                results = try WriterPriority.raising { try self.round(batch.map { ($0.hop, $0.state) }, db) }
            } catch {
                results = Array(repeating: .failure(error), count: batch.count)
            }
            let committed = ContinuousClock.now
            for (waiting, result) in zip(batch, results) { waiting.continuation.resume(with: result) }
            if let observe = self.observer.withLock({ $0 }) {
                observe(RoundFigures(waits: batch.map { started - $0.queued }, duration: committed - started))
            }
            try? self.callers.verify(db)  // when it fails, memory stops being trusted soon after
            let more = self.queue.withLock { q -> Bool in
                if q.waiting.isEmpty { q.committing = false }
                return q.committing
            }
            if more { self.scheduleRound() }  // queued behind any other write waiting for the writer
        }
    }

    /// One round: the hops' writes, each in its savepoint, then one commit.
    func round(_ batch: [(hop: HopWrite, state: String?)], _ db: Database) throws -> [Result<HopWriteOutcome, any Error>] {
        guard !batch.isEmpty else { return [] }
        var results: [Result<HopWriteOutcome, any Error>] = []
        let durable = batch.contains { $0.hop.ticket != nil || $0.hop.attachment != nil }
        // Languages callers chose earlier, held in memory: each goes to disk with its number's hop.
        let heldLanguages = batch.map { $0.hop.msisdn.flatMap(live.heldLanguage) }
        try AppDatabase.durably(db, when: durable) {
            if batch.count == 1, let only = batch.first {
                // Alone in its round: the transaction is the hop's own, no savepoint needed.
                var outcome = HopWriteOutcome.committed
                try db.inTransaction(.immediate) {
                    outcome = try HopRows.apply(only.hop, state: only.state, held: heldLanguages[0], db, live: live)
                    return outcome == .committed ? .commit : .rollback
                }
                results.append(.success(outcome))
                return
            }
            try db.inTransaction(.immediate) {
                for (waiting, held) in zip(batch, heldLanguages) {
                    do {
                        var outcome = HopWriteOutcome.committed
                        try db.inSavepoint {
                            outcome = try HopRows.apply(waiting.hop, state: waiting.state, held: held, db, live: live)
                            return outcome == .committed ? .commit : .rollback
                        }
                        results.append(.success(outcome))
                    } catch {
                        results.append(.failure(error))
                    }
                }
                return .commit
            }
        }
        for ((waiting, result), held) in zip(zip(batch, results), heldLanguages) {
            guard case .success(.committed) = result else { continue }
            if let key = waiting.hop.retire { live.retire(key) }
            // Written with the hop; a language chosen again since stays held.
            if let msisdn = waiting.hop.msisdn, let held { live.languageSaved(msisdn.e164, held) }
        }
        return results
    }
}

/// What one hop writes, inside the round's transaction.
enum HopRows {
    static func apply(_ hop: HopWrite, state: String?, held: LiveSessions.HeldLanguage?, _ db: Database,
                      live: LiveSessions) throws -> HopWriteOutcome {
        let tx = SQLiteConversationTransaction(db: db, live: live)
        // Delivered twice: the reread sees the first and does nothing.
        if let inbound = hop.inbound, !(try InboundRows.record(db, inbound)) { return .sessionChanged }
        if let session = hop.session { _ = try SessionRows.save(db, session, state: state, replacing: false) }
        if let key = hop.retire { try tx.retire(sessionKey: key) }
        if let msisdn = hop.msisdn, let held {
            // A language chosen earlier goes to disk with the number's first transaction.
            try SubscriberRows.setLanguage(db, msisdn.e164, held.code, at: held.at)
        }
        if let msisdn = hop.msisdn {
            if hop.firstContact { try SubscriberRows.recordContact(db, msisdn, at: hop.at) }
            if let code = hop.language { try tx.setLanguage(code, for: msisdn, at: hop.at) }
            if let optOut = hop.optOut { try SubscriberRows.setOptOut(db, msisdn, optOut, at: hop.at) }
            if let at = hop.helpSentAt { try SubscriberRows.setHelpSent(db, msisdn, at: at) }
        }
        if hop.ticket != nil || hop.join != nil, let cap = hop.reportLimit, try tx.reportsSince(cap.msisdn, since: cap.since) >= cap.limit {
            return .reportLimitReached
        }
        var ticketID: Int64?
        if let ticket = hop.ticket {
            guard try !tx.referenceExists(ticket.draft.reference) else { return .referenceTaken }
            ticketID = try TicketRows.insert(db, ticket)
        }
        for message in hop.messages {
            try OutboxRows.enqueue(db, message, ticketID: ticketID, at: hop.at)
        }
        if let chase = hop.chase { _ = try SQLiteStatements.run(TicketStatements.chase(chase, at: hop.at), db) }
        if let answer = hop.surveyAnswer { _ = try SQLiteStatements.run(TicketStatements.answer(answer, at: hop.at), db) }
        if let field = hop.field { _ = try SQLiteStatements.run(CrewStatements.field(field, at: hop.at), db) }
        if let attachment = hop.attachment { try IncidentRows.attach(db, attachment, at: hop.at) }
        if let join = hop.join { try SQLiteStatements.run(ReportStatements.join(join, at: hop.at), db) }
        if let alerts = hop.alerts { try SQLiteStatements.run(.write(AlertStatements.apply(alerts, at: hop.at), ()), db) }
        return .committed
    }
}

/// What one round of hop commits took: how long each of its hops waited for the writer (from
/// being handed to the committer to the round's start: the round before it, and any other write
/// queued on the writer) and the round itself, to its commit. On SQLite every ticket passes
/// through the one writer, so these are where its reply waits once the writer is busy
/// (`docs/performance.md`, "A ticket's wait, at the same load").
public struct RoundFigures: Sendable {
    public let waits: [Duration]
    public let duration: Duration
}

extension AppDatabase {
    /// Calls `observe` after every round of hop commits, on the writer's queue once the round's
    /// hops are answered: it must be quick (recording into a histogram).
    public func observeRounds(_ observe: @escaping @Sendable (RoundFigures) -> Void) {
        hops.observer.withLock { $0 = observe }
    }
}
