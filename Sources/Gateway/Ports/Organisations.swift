import Domain
import Foundation

/// A community organisation that reports in bulk.
public struct Organisation: Sendable, Equatable {
    public var id: Int64
    public var name: String
    /// The first characters of its key, to tell keys apart without showing them.
    public var keyPrefix: String
    public var createdAt: Date
    public var revokedAt: Date?
    /// Reports (CSV rows and Open311 POSTs) it may file per municipal day.
    public var dailyQuota: Int

    public static let defaultDailyQuota = 50_000

    public init(id: Int64, name: String, keyPrefix: String, createdAt: Date, revokedAt: Date?, dailyQuota: Int = Organisation.defaultDailyQuota) {
        self.id = id
        self.dailyQuota = dailyQuota
        self.name = name
        self.keyPrefix = keyPrefix
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// A report from an organisation (CSV row or Open311 POST), validated and ready to store.
public struct OrganisationReport: Sendable, Equatable {
    public var externalID: String?
    public var ticket: NewTicket
    /// The browser upload it came in, if any (its reports are listed by upload).
    public var upload: Int64?
    /// Who reported it, as a front end says (FixMyStreet): kept beside the ticket, never public.
    public var details: ReporterDetails?

    public init(externalID: String?, ticket: NewTicket, upload: Int64? = nil, details: ReporterDetails? = nil) {
        self.externalID = externalID
        self.ticket = ticket
        self.upload = upload
        self.details = details
    }
}

/// What a front end sends about the person reporting (FixMyStreet: e-mail, names, a photo's
/// address, its own attributes). Personal data like a phone number: masked in the console until
/// "Show number" (audited), never in public output, purged with the reporter's number, part of a
/// subject request about that number.
public struct ReporterDetails: Sendable, Equatable, Codable {
    public var email: String?
    public var first_name: String?
    public var last_name: String?
    public var media_url: String?
    public var attributes: [String: String]

    public init(email: String? = nil, first_name: String? = nil, last_name: String? = nil, media_url: String? = nil, attributes: [String: String] = [:]) {
        func clean(_ s: String?, _ n: Int) -> String? { s.map { String($0.trimmingCharacters(in: .whitespacesAndNewlines).prefix(n)) }.flatMap { $0.isEmpty ? nil : $0 } }
        (self.email, self.first_name, self.last_name, self.media_url) = (clean(email, 254), clean(first_name, 100), clean(last_name, 100), clean(media_url, 2000))
        self.attributes = attributes
    }

    public var isEmpty: Bool { email == nil && first_name == nil && last_name == nil && media_url == nil && attributes.isEmpty }

    /// As the console shows it before "Show number": initials and the e-mail's first letter and domain.
    public var masked: String {
        let initials = [first_name, last_name].compactMap { $0?.first.map { "\($0)." } }.joined(separator: " ")
        let mail = email.map { e -> String in
            let parts = e.split(separator: "@", maxSplits: 1)
            return parts.count == 2 ? "\(parts[0].prefix(1))***@\(parts[1])" : "***"
        }
        return [initials.isEmpty ? nil : initials, mail, media_url == nil ? nil : "a photo"].compactMap { $0 }.joined(separator: ", ")
    }

    /// In full, for "Show number".
    public var full: String {
        [[first_name, last_name].compactMap { $0 }.joined(separator: " "), email ?? "", media_url ?? ""].filter { !$0.isEmpty }.joined(separator: ", ")
    }
}

/// A report stored, or found stored from an earlier file or request (same organisation, same external id).
public struct Filed: Sendable, Equatable {
    public var reference: Reference
    public var earlier: Bool
    /// The open ticket this report likely repeats: filed, and linked to it for a dispatcher.
    public var possibleDuplicateOf: Reference?
    public init(_ reference: Reference, earlier: Bool = false, possibleDuplicateOf: Reference? = nil) {
        (self.reference, self.earlier, self.possibleDuplicateOf) = (reference, earlier, possibleDuplicateOf)
    }
}

/// How many new reports an organisation may still file today, counted in the same transaction
/// that stores them.
public struct DailyQuota: Sendable, Equatable {
    public var limit: Int
    /// The start of the municipal day.
    public var since: Date
    public init(limit: Int, since: Date) {
        self.limit = limit
        self.since = since
    }
}

/// Several confirmations to one number from one upload become one SMS: the number of reports and
/// the first references, in the reporter's language.
public typealias ConfirmationSummary = @Sendable (_ tickets: [NewTicket]) -> String

public protocol OrganisationStore: Sendable {
    /// Creates an organisation; returns it with its new API key, the only time the key exists in clear.
    func add(name: String, dailyQuota: Int, at: Date) async throws -> (Organisation, key: String)
    /// Sets the daily quota by name or id; false when there is no such organisation.
    func setDailyQuota(_ nameOrID: String, to quota: Int) async throws -> Bool
    func list() async throws -> [Organisation]
    /// Revokes by name or id; false when there is no such active organisation.
    func revoke(_ nameOrID: String, at: Date) async throws -> Bool
    /// The active organisation holding `key`.
    func authenticate(key: String) async throws -> Organisation?
    func organisation(named nameOrID: String) async throws -> Organisation?
    /// Stores reports in one transaction. A report whose (organisation, external id) is already
    /// stored creates nothing and returns the existing reference, marked `earlier`. A ticket whose drawn reference is
    /// taken is replaced by `redraw(ticket)` (a new reference, and its confirmation reworded).
    /// A new report past the organisation's quota for the day is not stored: its entry is nil.
    /// Confirmations to one number are sent as one (`summary`) when there are several. A report
    /// that likely repeats an open ticket of its MOE by `duplicates` is linked to it (`Filed.possibleDuplicateOf`).
    func store(_ reports: [OrganisationReport], for organisation: Organisation, quota: DailyQuota, duplicates: DuplicateRules,
               redraw: @escaping @Sendable (NewTicket) -> NewTicket, summary: @escaping ConfirmationSummary) async throws -> [Filed?]
}

/// Reporter details' attributes as the stores keep them (JSON text, nil when there are none).
public enum ReporterDetailsCodec {
    public static func attributes(_ d: ReporterDetails) -> String? {
        d.attributes.isEmpty ? nil : (try? JSONEncoder().encode(d.attributes)).map { String(decoding: $0, as: UTF8.self) }
    }

    public static func details(email: String?, first: String?, last: String?, media: String?, attributes: String?) -> ReporterDetails {
        let parsed = attributes.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
        return ReporterDetails(email: email, first_name: first, last_name: last, media_url: media, attributes: parsed)
    }
}
