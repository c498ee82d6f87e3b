import Domain
import Foundation
import Gateway

/// A hop's reads from memory alone: its session and open incidents, if held. Anything else, or
/// what is not held, sends the hop to the database (`LiveSessions.Miss.database`); a session
/// being written sends it to wait (`.pending`).
struct MemoryReads: ConversationReads {
    let live: LiveSessions
    let incidents: OpenIncidentCache

    func session(key: String) throws -> StoredSession? {
        switch live.lookup(key) {
        case .hit(let stored): return stored
        case .pending: throw LiveSessions.Miss.pending(key)
        case .miss: throw LiveSessions.Miss.database
        }
    }

    func unfinishedSession(of msisdn: MSISDN, since: Date, excluding key: String) throws -> StoredSession? { throw LiveSessions.Miss.database }
    func language(of msisdn: MSISDN) throws -> String? { throw LiveSessions.Miss.database }
    func referenceExists(_ reference: Reference) throws -> Bool { throw LiveSessions.Miss.database }
    func publicTicket(_ reference: Reference) throws -> PublicTicket? { throw LiveSessions.Miss.database }
    func recentTickets(of msisdn: MSISDN, limit: Int) throws -> [PublicTicket] { throw LiveSessions.Miss.database }
    func subscriber(_ msisdn: MSISDN) throws -> Subscriber? { throw LiveSessions.Miss.database }
    func subscriber(key: String) throws -> Subscriber? { throw LiveSessions.Miss.database }
    func inboundSeen(provider: String, id: String) throws -> Bool { throw LiveSessions.Miss.database }
    func chaseFacts(_ reference: Reference, by msisdn: MSISDN, since: Date) throws -> ChaseFacts? { throw LiveSessions.Miss.database }
    func openSurvey(of msisdn: MSISDN, since: Date) throws -> OpenSurvey? { throw LiveSessions.Miss.database }
    func openIncidents(service: String) throws -> [Incident] {
        guard let held = incidents.held(service).incidents else { throw LiveSessions.Miss.database }
        return held
    }
}
