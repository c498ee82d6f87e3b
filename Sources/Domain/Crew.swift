import Foundation

/// A field crew of one MOE: the people who fix the fault, reached on their work phones. A number
/// belongs to at most one crew.
public struct Crew: Sendable, Equatable {
    public var id: Int64
    public var moe: String
    public var name: String
    /// The crew's job cards and replies are in this language.
    public var language: String
    public var phones: [MSISDN]
    /// The services and areas it usually covers (codes; empty: any).
    public var services: [String]
    public var areas: [String]

    public init(id: Int64, moe: String, name: String, language: String, phones: [MSISDN], services: [String] = [], areas: [String] = []) {
        (self.id, self.moe, self.name, self.language, self.phones, self.services, self.areas) = (id, moe, name, language, phones, services, areas)
    }

    /// A crew's name: letters, digits, spaces and `-_.&/'`, 1 to 60 characters, trimmed.
    public static func validName(_ raw: String) -> String? {
        let name = raw.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: " -_.&/'"))
        guard (1...60).contains(name.count), name.unicodeScalars.allSatisfy(allowed.contains) else { return nil }
        return name
    }
}

/// What a crew member reports from the site about one job.
public enum FieldReport: Sendable, Equatable {
    /// The crew is at the fault (in progress; the residents are told).
    case onSite
    /// Fixed, with what was done if they said (resolved; the residents are told, the survey follows).
    case done(note: String?)
    /// Not fixed: back to the dispatchers' queue with the reason, flagged; the supervisors are told.
    case cannotFix(reason: String)

    /// How the audit log and the history name it.
    public var name: String {
        switch self {
        case .onSite: "on site"
        case .done: "done"
        case .cannotFix: "cannot fix"
        }
    }
}

/// The reasons a crew can give on USSD for not fixing a job (SMS takes free text).
public enum CannotFixReason: String, Sendable, CaseIterable {
    case parts, address, otherMOE = "other_moe", unsafe, other

    /// In the dispatchers' words (the queue is in English).
    public var note: String {
        switch self {
        case .parts: "needs parts"
        case .address: "wrong address"
        case .otherMOE: "another MOE's fault"
        case .unsafe: "unsafe"
        case .other: "other"
        }
    }
}

/// An open job as a crew sees it on its phone (JOBS, "My jobs").
public struct CrewJob: Sendable, Equatable {
    public var reference: Reference
    public var service: String
    public var fault: String?
    public var area: String
    public var address: String?
    public var status: TicketStatus
    public var dueAt: Date?
    public var createdAt: Date

    public init(reference: Reference, service: String, fault: String?, area: String, address: String?, status: TicketStatus, dueAt: Date?,
                createdAt: Date) {
        (self.reference, self.service, self.fault, self.area, self.address) = (reference, service, fault, area, address)
        (self.status, self.dueAt, self.createdAt) = (status, dueAt, createdAt)
    }
}
