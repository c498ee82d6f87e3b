import Domain
import Foundation

/// Everything held about one phone number, for a data-subject access request (POPIA s23).
public struct SubjectData: Sendable, Equatable, Encodable {
    public struct Settings: Sendable, Equatable, Encodable {
        public var language: String?
        public var opted_out: Bool
    }
    public struct TicketEntry: Sendable, Equatable, Encodable {
        public var reference: String
        public var service: String
        public var fault: String
        public var area: String
        public var address: String
        public var description: String
        public var channel: String
        public var status: String
        public var reported_at: Date
        /// The public part of its history: what the reporter was told.
        public var updates: [Update]
        /// What a front end said about the person with this report (e-mail, names, photo).
        public var reporter_details: ReporterDetails?
    }
    public struct Update: Sendable, Equatable, Encodable {
        public var at: Date
        public var status: String?
        public var message: String?
        public init(at: Date, status: String?, message: String?) { (self.at, self.status, self.message) = (at, status, message) }
    }
    public struct Message: Sendable, Equatable, Encodable {
        public var at: Date
        public var text: String
        public var status: String?
        public init(at: Date, text: String, status: String?) { (self.at, self.text, self.status) = (at, text, status) }
    }
    public struct SurveyAnswer: Sendable, Equatable, Encodable {
        public var reference: String
        public var asked_at: Date
        public var rating: Int?
    }
    public struct Attachment: Sendable, Equatable, Encodable {
        public var incident: Int64
        public var channel: String
        public var attached_at: Date
    }
    /// A ticket already reported that the number was added to ("Add me to it").
    public struct Joined: Sendable, Equatable, Encodable {
        public var reference: String
        public var channel: String
        public var joined_at: Date
        public init(reference: String, channel: String, joinedAt: Date) { (self.reference, self.channel, self.joined_at) = (reference, channel, joinedAt) }
    }

    public var number: String
    public var settings: Settings?
    public var tickets: [TicketEntry]
    public var sms_received: [Message]
    public var sms_sent: [Message]
    public var surveys: [SurveyAnswer]
    public var incidents: [Attachment]
    public var joined_tickets: [Joined]
    /// The areas it asked for alerts about (`ALERTS <area>`), since when.
    public var alert_areas: [AlertArea]
    public var open_sessions: Int

    public struct AlertArea: Sendable, Equatable, Encodable {
        public var area: String
        public var since: Date
        public init(area: String, since: Date) { (self.area, self.since) = (area, since) }
    }

    public init(number: String, settings: Settings?, tickets: [TicketEntry], sms_received: [Message], sms_sent: [Message], surveys: [SurveyAnswer],
                incidents: [Attachment], joined: [Joined] = [], alertAreas: [AlertArea] = [], open_sessions: Int) {
        self.alert_areas = alertAreas
        (self.number, self.settings, self.tickets, self.sms_received, self.sms_sent) = (number, settings, tickets, sms_received, sms_sent)
        (self.surveys, self.incidents, self.joined_tickets, self.open_sessions) = (surveys, incidents, joined, open_sessions)
    }

    public var isEmpty: Bool {
        settings == nil && tickets.isEmpty && sms_received.isEmpty && sms_sent.isEmpty && surveys.isEmpty && incidents.isEmpty && joined_tickets.isEmpty
            && alert_areas.isEmpty && open_sessions == 0
    }
}

extension SubjectData.Settings {
    public init(language: String?, optedOut: Bool) { (self.language, self.opted_out) = (language, optedOut) }
}
extension SubjectData.TicketEntry {
    public init(reference: String, service: String, fault: String, area: String, address: String, description: String, channel: String,
                status: String, reportedAt: Date, updates: [SubjectData.Update], details: ReporterDetails? = nil) {
        self.reporter_details = details
        (self.reference, self.service, self.fault, self.area, self.address) = (reference, service, fault, area, address)
        (self.description, self.channel, self.status, self.reported_at, self.updates) = (description, channel, status, reportedAt, updates)
    }
}
extension SubjectData.SurveyAnswer {
    public init(reference: String, askedAt: Date, rating: Int?) { (self.reference, self.asked_at, self.rating) = (reference, askedAt, rating) }
}
extension SubjectData.Attachment {
    public init(incident: Int64, channel: String, attachedAt: Date) { (self.incident, self.channel, self.attached_at) = (incident, channel, attachedAt) }
}

/// Data-subject requests: what is held about a number, and its erasure the way purge removes
/// personal data (the number becomes its pseudonym everywhere, words it wrote are dropped; its
/// STOP and language survive under the pseudonym). Both are audited.
public protocol SubjectStore: Sendable {
    func subjectData(_ number: MSISDN) async throws -> SubjectData
    /// Returns how many rows changed.
    func erase(_ number: MSISDN, pseudonym: String, actor: String, at: Date) async throws -> Int
}
