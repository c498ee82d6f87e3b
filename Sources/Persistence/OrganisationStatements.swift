import Foundation
import Gateway

/// Organisations (community organisations with an API key), for both stores. A key is 256 random
/// bits stored only as its SHA-256, so it is found by its hash. (Filing their reports stays with
/// each store: it inserts tickets on each one's own path, and PostgreSQL locks the organisation.)
public enum OrganisationStatements {
    static let columns = "o.id, o.name, o.key_prefix, o.created_at, o.revoked_at, o.daily_quota"

    static func organisation(_ row: any SQLRow) throws -> Organisation {
        Organisation(id: try row.integer(required: "id"), name: try row.text(required: "name"), keyPrefix: try row.text(required: "key_prefix"),
                     createdAt: try row.date(required: "created_at"), revokedAt: try row.date("revoked_at"), dailyQuota: try row.int("daily_quota"))
    }

    /// Reports an organisation filed since the start of its quota's day.
    public static func filed(_ organisation: Organisation, since: Date) -> SQL {
        "SELECT COUNT(*) AS n FROM tickets WHERE source_org = \(organisation.id) AND created_at >= \(since)"
    }

    /// The reference an organisation's row was filed under before, if it was.
    public static func filedEarlier(_ organisation: Organisation, externalID: String) -> SQL {
        "SELECT reference FROM tickets WHERE source_org = \(organisation.id) AND external_id = \(externalID)"
    }

    /// A new ticket marked as the organisation's row, with what its front end said of the person.
    public static func attach(_ ticketID: Int64, to organisation: Organisation, _ report: OrganisationReport) -> [SQL] {
        var out: [SQL] = ["""
            UPDATE tickets SET source_org = \(organisation.id), external_id = \(report.externalID), source_upload = \(report.upload) WHERE id = \(ticketID)
            """]
        if let d = report.details, !d.isEmpty {
            out.append("""
                INSERT INTO reporter_details (ticket_id, email, first_name, last_name, media_url, attributes)
                VALUES (\(ticketID), \(d.email), \(d.first_name), \(d.last_name), \(d.media_url), \(ReporterDetailsCodec.attributes(d)))
                """)
        }
        return out
    }

    /// By name, or by id written as digits.
    static func named(_ nameOrID: String, _ table: String = "o.") -> SQL {
        "(\(raw: table)name = \(nameOrID) OR CAST(\(raw: table)id AS TEXT) = \(nameOrID))"
    }
}

extension OrganisationStore where Self: SQLBacked {
    public func add(name: String, dailyQuota: Int = Organisation.defaultDailyQuota, at: Date) async throws -> (Organisation, key: String) {
        let key = SecretHash.newOrganisationKey()
        let id = try await statements.run(.run("""
            INSERT INTO organisations (name, key_hash, key_prefix, created_at, daily_quota)
            VALUES (\(name), \(SecretHash.of(key)), \(String(key.prefix(7))), \(at), \(dailyQuota)) RETURNING id
            """) { .done(try $0.first?.integer(required: "id")) })
        guard let id else { throw SQLRowError(column: "id", problem: "no row returned") }
        return (Organisation(id: id, name: name, keyPrefix: String(key.prefix(7)), createdAt: at, revokedAt: nil, dailyQuota: dailyQuota), key)
    }

    public func setDailyQuota(_ nameOrID: String, to quota: Int) async throws -> Bool {
        try await statements.run(.run("UPDATE organisations SET daily_quota = \(quota) WHERE \(OrganisationStatements.named(nameOrID, "")) RETURNING id") {
            .done(!$0.isEmpty)
        })
    }

    public func list() async throws -> [Organisation] {
        try await statements.read("SELECT \(raw: OrganisationStatements.columns) FROM organisations o ORDER BY o.id", OrganisationStatements.organisation)
    }

    public func revoke(_ nameOrID: String, at: Date) async throws -> Bool {
        try await statements.run(.run("""
            UPDATE organisations SET revoked_at = \(at) WHERE \(OrganisationStatements.named(nameOrID, "")) AND revoked_at IS NULL RETURNING id
            """) { .done(!$0.isEmpty) })
    }

    public func authenticate(key: String) async throws -> Organisation? {
        guard SecretHash.looksLikeOrganisationKey(key) else { return nil }
        return try await statements.read("""
            SELECT \(raw: OrganisationStatements.columns) FROM organisations o WHERE o.key_hash = \(SecretHash.of(key)) AND o.revoked_at IS NULL
            """, OrganisationStatements.organisation).first
    }

    public func organisation(named nameOrID: String) async throws -> Organisation? {
        try await statements.read("""
            SELECT \(raw: OrganisationStatements.columns) FROM organisations o WHERE \(OrganisationStatements.named(nameOrID)) ORDER BY o.id LIMIT 1
            """, OrganisationStatements.organisation).first
    }
}
