import Domain
import Foundation

/// What an MOE's system can be told of (`webhook add --events`).
public enum WebhookEventType: String, Sendable, Codable, CaseIterable, Comparable {
    case ticketCreated = "ticket.created"
    /// Status, public update, assignment, re-routed away, marked a duplicate, priority, crew.
    case ticketChanged = "ticket.changed"
    case ticketReopened = "ticket.reopened"
    case incidentDeclared = "incident.declared"
    case incidentUpdated = "incident.updated"
    case incidentClosed = "incident.closed"
    case surveyAnswered = "survey.answered"

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// A comma-separated list (`ticket.created,ticket.changed`); every event when empty. nil with
    /// the first name that is not an event.
    public static func list(_ text: String) -> Result<[WebhookEventType], UnknownEvent> {
        var out = Set<WebhookEventType>()
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            guard let type = WebhookEventType(rawValue: part.lowercased()) else { return .failure(UnknownEvent(name: String(part.prefix(60)))) }
            out.insert(type)
        }
        return .success(out.isEmpty ? allCases : out.sorted())
    }

    public struct UnknownEvent: Error, CustomStringConvertible {
        public var name: String
        public var description: String {
            "unknown event '\(name)': choose from \(WebhookEventType.allCases.map(\.rawValue).joined(separator: ", "))"
        }
    }
}

/// An event decided in the transaction of the change that caused it: which MOE hears it and what
/// it is about. The store reads the ticket as it stands after the change (or takes the incident
/// as written) and queues one message per subscription that wants it.
public struct WebhookDraft: Sendable, Equatable {
    public enum Subject: Sendable, Equatable {
        case ticket(id: Int64)
        case incident(Incident)
    }

    public var type: WebhookEventType
    public var moe: String
    public var subject: Subject
    /// For `survey.answered`: the resident's rating (1-5).
    public var rating: Int?

    public init(type: WebhookEventType, moe: String, subject: Subject, rating: Int? = nil) {
        (self.type, self.moe, self.subject, self.rating) = (type, moe, subject, rating)
    }

    /// What one decided action on a ticket tells its MOEs: `ticket.reopened` when it opens again
    /// after a resolution, else `ticket.changed` when anything the API shows changed (a note or a
    /// chase alone is not told); re-routed, the new MOE hears `ticket.created` and the old one
    /// `ticket.changed` (showing where it went).
    public static func drafts(for work: TicketWork) -> [WebhookDraft] {
        let c = work.changes
        let before = work.ticket.state
        let id = Subject.ticket(id: work.ticket.id)
        let reopened = c.event.kind == .reopened || (c.status.map { $0.isOpen && !before.status.isOpen && before.status != .duplicate } ?? false)
        let visible = (c.status != nil && c.status != before.status) || c.assignee != nil || c.publicUpdate != nil || c.expectedAt != nil || c.move != nil || c.detach
            || c.duplicateOf != nil || c.escalationLevel != nil || c.priority != nil || c.crew != nil || c.onSite || c.flag != nil
        var out: [WebhookDraft] = []
        if reopened {
            out.append(WebhookDraft(type: .ticketReopened, moe: c.move?.moe ?? before.moe, subject: id))
        } else if visible {
            out.append(WebhookDraft(type: .ticketChanged, moe: before.moe, subject: id))
        }
        if let move = c.move, move.moe != before.moe {
            if reopened { out.append(WebhookDraft(type: .ticketChanged, moe: before.moe, subject: id)) }
            out.append(WebhookDraft(type: .ticketCreated, moe: move.moe, subject: id))
        }
        return out
    }

    /// An incident declared, changed or closed (`kind` as its history says).
    public static func incident(_ incident: Incident, kind: String) -> WebhookDraft {
        let type: WebhookEventType = switch kind {
        case "declared": .incidentDeclared
        case "closed": .incidentClosed
        default: .incidentUpdated
        }
        return WebhookDraft(type: type, moe: incident.moe, subject: .incident(incident))
    }

    /// What the message keeps of its subject, in the order of its events: a ticket's messages go
    /// out one after another per subscription.
    public var orderingKey: String {
        switch subject {
        case .ticket(let id): "ticket:\(id)"
        case .incident(let i): "incident:\(i.id)"
        }
    }
}

/// What a message carries, as it stood when the event happened: kept as written, rendered into the
/// body when sent (the same bytes on every attempt).
public struct WebhookData: Sendable, Equatable, Codable {
    public var ticket: QueueTicket?
    public var incident: APIIncident?
    public var rating: Int?

    public init(ticket: QueueTicket? = nil, incident: APIIncident? = nil, rating: Int? = nil) {
        (self.ticket, self.incident, self.rating) = (ticket, incident, rating)
    }

    /// As stored: exact dates, no presentation.
    public func stored() throws -> String {
        String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
    }

    public static func stored(_ text: String) throws -> WebhookData {
        try JSONDecoder().decode(WebhookData.self, from: Data(text.utf8))
    }
}

/// The body of a message: `{"type", "timestamp", "data"}`, the data as the MOE API shows it, dates
/// in the municipality's zone (`Open311Dates`), keys sorted, so every attempt sends the same bytes.
public struct WebhookBody: Encodable {
    public var type: WebhookEventType
    public var timestamp: Date
    public var data: WebhookData

    public init(type: WebhookEventType, timestamp: Date, data: WebhookData) { (self.type, self.timestamp, self.data) = (type, timestamp, data) }

    enum Keys: String, CodingKey { case type, timestamp, data }
    enum SurveyKeys: String, CodingKey { case survey }
    enum RatingKeys: String, CodingKey { case rating }

    struct TicketView: Encodable {
        var ticket: QueueTicket
        var at: Date
        var rating: Int?

        func encode(to encoder: any Encoder) throws {
            try APITicket(ticket, now: at).encode(to: encoder)
            if let rating {
                var c = encoder.container(keyedBy: SurveyKeys.self)
                var survey = c.nestedContainer(keyedBy: RatingKeys.self, forKey: .survey)
                try survey.encode(rating, forKey: .rating)
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(type.rawValue, forKey: .type)
        try c.encode(timestamp, forKey: .timestamp)
        if let ticket = data.ticket {
            try c.encode(TicketView(ticket: ticket, at: timestamp, rating: data.rating), forKey: .data)
        } else if let incident = data.incident {
            try c.encode(incident, forKey: .data)
        }
    }

    /// The JSON an MOE's API and its webhooks speak: keys sorted, dates in `timeZone`.
    public static func encoder(timeZone: TimeZone) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(Open311Dates.format(date, in: timeZone))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public func bytes(timeZone: TimeZone) throws -> [UInt8] { Array(try Self.encoder(timeZone: timeZone).encode(self)) }
}
