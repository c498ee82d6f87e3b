import Domain
import Foundation

/// A CSV file an organisation's member sent in the browser, processed in the background.
public struct Upload: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable { case processing, done, failed }

    public var id: Int64
    public var organisation: Int64
    public var uploadedBy: String
    public var filename: String
    public var status: Status
    public var totalRows: Int
    public var doneRows: Int
    public var accepted: Int
    public var duplicates: Int
    public var rejected: Int
    /// Why a file could not be read at all (no row was stored).
    public var problem: String?
    public var createdAt: Date
    /// The last progress written: an upload that has not moved for a long time was cut short by a restart.
    public var updatedAt: Date

    public init(id: Int64, organisation: Int64, uploadedBy: String, filename: String, status: Status, totalRows: Int, doneRows: Int,
                accepted: Int, duplicates: Int, rejected: Int, problem: String?, createdAt: Date, updatedAt: Date) {
        (self.id, self.organisation, self.uploadedBy, self.filename, self.status) = (id, organisation, uploadedBy, filename, status)
        (self.totalRows, self.doneRows, self.accepted, self.duplicates, self.rejected) = (totalRows, doneRows, accepted, duplicates, rejected)
        (self.problem, self.createdAt, self.updatedAt) = (problem, createdAt, updatedAt)
    }

    /// Still `processing` but silent for ten minutes: its instance stopped. Rows stored are kept.
    public func isStalled(at now: Date) -> Bool { status == .processing && now.timeIntervalSince(updatedAt) > 600 }
}

/// What an upload's rows came to: accepted (new), duplicates of earlier files, rejected with reasons.
public struct UploadOutcome: Sendable, Equatable {
    public var rows: [RowResult]
    public init(_ rows: [RowResult]) { self.rows = rows }
    public var accepted: Int { rows.filter { $0.reference != nil && $0.duplicate != true }.count }
    public var duplicates: Int { rows.filter { $0.duplicate == true }.count }
    public var rejected: Int { rows.filter { $0.reference == nil }.count }
}

public protocol UploadStore: Sendable {
    func startUpload(organisation: Int64, by username: String, filename: String, rows: Int, at: Date) async throws -> Int64
    func recordProgress(_ id: Int64, done: Int, at: Date) async throws
    func finishUpload(_ id: Int64, _ outcome: UploadOutcome, at: Date) async throws
    func failUpload(_ id: Int64, problem: String, at: Date) async throws
    /// Within the organisation: another organisation's upload is nil.
    func upload(_ id: Int64, organisation: Int64) async throws -> Upload?
    func uploadResults(_ id: Int64, organisation: Int64) async throws -> [RowResult]?
    func uploads(organisation: Int64, limit: Int) async throws -> [Upload]
}

/// A report an organisation filed, as it follows it up: public fields only (no reporter's number, no internal note).
public struct OrganisationRequest: Sendable, Equatable {
    public var reference: String
    public var externalID: String?
    public var service: String
    public var fault: String
    public var area: String
    public var address: String
    public var status: TicketStatus
    public var channel: String
    public var publicUpdate: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var upload: Int64?

    public init(reference: String, externalID: String?, service: String, fault: String, area: String, address: String, status: TicketStatus,
                channel: String, publicUpdate: String?, createdAt: Date, updatedAt: Date, upload: Int64?) {
        (self.reference, self.externalID, self.service, self.fault, self.area, self.address) = (reference, externalID, service, fault, area, address)
        (self.status, self.channel, self.publicUpdate, self.createdAt, self.updatedAt, self.upload) = (status, channel, publicUpdate, createdAt, updatedAt, upload)
    }
}

public struct OrganisationRequestFilter: Sendable, Equatable {
    public var status: TicketStatus?
    public var service: String?
    public var area: String?
    public var upload: Int64?
    /// 1-based.
    public var page = 1
    public var pageSize = 100
    public init(status: TicketStatus? = nil, service: String? = nil, area: String? = nil, upload: Int64? = nil) {
        (self.status, self.service, self.area, self.upload) = (status, service, area, upload)
    }
}

/// An organisation's own reports, whatever way they came (upload, bulk API, Open311).
public protocol OrganisationReports: Sendable {
    func organisationRequests(_ organisation: Int64, _ filter: OrganisationRequestFilter) async throws -> [OrganisationRequest]
    /// One of its reports with its public history (what the reporter was told), oldest first; nil for anyone else's.
    func organisationRequest(_ organisation: Int64, _ reference: Reference) async throws -> (OrganisationRequest, [SubjectData.Update])?
}

/// An upload's per-row results as the stores keep them (JSON text).
public enum UploadResultsCodec {
    public static func encode(_ rows: [RowResult]) throws -> String {
        String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
    }

    public static func decode(_ text: String) throws -> [RowResult] {
        try JSONDecoder().decode([RowResult].self, from: Data(text.utf8))
    }
}

/// What the organisation portal needs of a store: organisations, their uploads and their reports.
public typealias OrganisationPortal = OrganisationStore & UploadStore & OrganisationReports
