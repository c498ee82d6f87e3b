import Domain
import Foundation
import Gateway
import GRDB
import Persistence

/// A hop's reads from memory alone: its session and open incidents, if held, and what a caller
/// the database does not know has (nothing, and no crew: `KnownCallers`). Anything else, or what is not held,
/// sends the hop to the database (`LiveSessions.Miss.database`); a session being written sends it
/// to wait (`.pending`).
struct MemoryReads: ConversationReads {
    let live: LiveSessions
    let incidents: OpenIncidentCache
    let callers: KnownCallers
    /// The "already reported" lookup, made on a reader before the hop ran again (`OfferLookup`).
    var offers: OfferLookup.Answer? = nil

    func session(key: String) throws -> StoredSession? {
        switch live.lookup(key) {
        case .hit(let stored): return stored
        case .pending: throw LiveSessions.Miss.pending(key)
        case .miss:
            try requireNothingOnDisk(key)
            return nil
        }
    }

    func unfinishedSession(of msisdn: MSISDN, since: Date, excluding key: String) throws -> StoredSession? {
        try requireNothingOnDisk(msisdn.e164)
        return LiveSessions.latestResumable(live.sessions(of: msisdn).settled, since: since, excluding: key)
    }

    func language(of msisdn: MSISDN) throws -> String? {
        if let held = live.heldLanguage(msisdn) { return held.code }
        try requireNothingOnDisk(msisdn.e164)
        return nil
    }

    /// A caller erased or purged keeps its STOP and language under its pseudonym: asked by every new caller.
    func subscriber(key: String) throws -> Subscriber? {
        try requireNothingOnDisk(key)
        return nil
    }

    /// Returns when the database has no row for `key`; otherwise sends the hop to the database.
    private func requireNothingOnDisk(_ key: String) throws {
        guard callers.knowsNothing(of: key) else { throw LiveSessions.Miss.database }
    }

    func referenceExists(_ reference: Reference) throws -> Bool { throw LiveSessions.Miss.database }
    func publicTicket(_ reference: Reference) throws -> PublicTicket? { throw LiveSessions.Miss.database }
    func recentTickets(of msisdn: MSISDN, limit: Int) throws -> [PublicTicket] { throw LiveSessions.Miss.database }
    func subscriber(_ msisdn: MSISDN) throws -> Subscriber? { throw LiveSessions.Miss.database }
    func inboundSeen(provider: String, id: String) throws -> Bool { throw LiveSessions.Miss.database }
    func chaseFacts(_ reference: Reference, by msisdn: MSISDN, since: Date) throws -> ChaseFacts? { throw LiveSessions.Miss.database }
    func alertAreas(of msisdn: MSISDN) throws -> [String] { throw LiveSessions.Miss.database }
    func openSurvey(of msisdn: MSISDN, since: Date) throws -> OpenSurvey? { throw LiveSessions.Miss.database }
    /// A crew member's number is known (`crew_members` is among `KnownCallers`' tables).
    func crew(of msisdn: MSISDN) throws -> Crew? {
        try requireNothingOnDisk(msisdn.e164)
        return nil
    }
    func jobs(ofCrew id: Int64, limit: Int) throws -> [CrewJob] { throw LiveSessions.Miss.database }
    func fieldState(_ reference: Reference) throws -> TicketState? { throw LiveSessions.Miss.database }
    /// Answered by a reader connection, awaited (`OfferLookup`): neither queued behind the
    /// writer's rounds nor holding one of the two cooperative threads while SQLite reads.
    func duplicateCandidates(service: String, area: String?, since: Date, digits: String?, notReportedBy caller: MSISDN, limit: Int) throws
        -> [DuplicateCandidate] {
        let asked = OfferLookup(service: service, area: area, since: since, digits: digits, caller: caller, limit: limit)
        if let offers, offers.lookup == asked { return offers.candidates }
        throw asked
    }
    func openIncidents(service: String) throws -> [Incident] {
        guard let held = incidents.held(service).incidents else { throw LiveSessions.Miss.database }
        return held
    }
}

/// The one database read of a hop that needs neither a session nor anything a round may be
/// writing: the open tickets an "already reported" offer is made from. Thrown by `MemoryReads`
/// when asked, read on a reader, handed to the hop's second run. An offer is a hint, so the last
/// committed snapshot is enough; a hop that then needs more goes to the writer as any other.
struct OfferLookup: Error, Equatable {
    var service: String
    var area: String?
    var since: Date
    var digits: String?
    var caller: MSISDN
    var limit: Int

    struct Answer: Sendable {
        var lookup: OfferLookup
        var candidates: [DuplicateCandidate]
    }

    func read(_ reader: any DatabaseReader) async throws -> Answer {
        let statement = ReportStatements.offers(service: service, area: area, since: since, digits: digits, notReportedBy: caller, limit: limit)
        let candidates = try await reader.read { db in
            try SQLiteStatements.fetch(db, statement).map(DuplicateStatements.candidate)
        }
        return Answer(lookup: self, candidates: candidates)
    }
}
