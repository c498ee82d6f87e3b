import Foundation

/// One value of a row being copied between stores, in a form both understand.
public enum CellValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case boolean(Bool)
    case date(Date)
}

/// How a column is stored, so each store reads and writes it in its own types.
public enum ColumnKind: Sendable, Equatable {
    case integer, real, text, boolean, date
}

/// A table as `copy-database` moves it: its columns (the same names in every store), the column
/// that orders it, and those that point at rows of the same table (filled in after every row is in).
public struct CopiedTable: Sendable {
    public var name: String
    public var columns: [(name: String, kind: ColumnKind)]
    public var order: String
    public var selfReferences: [String] = []

    public init(_ name: String, order: String, _ columns: [(String, ColumnKind)], selfReferences: [String] = []) {
        self.name = name
        self.order = order
        self.columns = columns.map { (name: $0.0, kind: $0.1) }
        self.selfReferences = selfReferences
    }
}

/// What a store offers `copy-database`: its rows in order, and an empty schema to fill.
public protocol CopyableStore: Sendable {
    func count(_ table: CopiedTable) async throws -> Int
    /// Up to `limit` rows after the first `offset`, in `table.order`.
    func rows(_ table: CopiedTable, offset: Int, limit: Int) async throws -> [[CellValue]]
    func insert(_ table: CopiedTable, _ rows: [[CellValue]]) async throws
    /// After every table is in: set self-references and identity counters.
    func finishCopy(_ tables: [CopiedTable], selfReferences: [(table: CopiedTable, rows: [(key: CellValue, column: String, value: CellValue)])]) async throws
}

/// Every table of the schema, in an order that satisfies the foreign keys.
public enum DatabaseCopy {
    public static let tables: [CopiedTable] = [
        CopiedTable("organisations", order: "id", [("id", .integer), ("name", .text), ("key_hash", .text), ("key_prefix", .text),
                                                   ("created_at", .date), ("revoked_at", .date), ("daily_quota", .integer)]),
        CopiedTable("uploads", order: "id", [
            ("id", .integer), ("organisation_id", .integer), ("uploaded_by", .text), ("filename", .text), ("status", .text),
            ("total_rows", .integer), ("done_rows", .integer), ("accepted", .integer), ("duplicates", .integer), ("rejected", .integer),
            ("results", .text), ("problem", .text), ("created_at", .date), ("updated_at", .date), ("finished_at", .date),
        ]),
        CopiedTable("crews", order: "id", [("id", .integer), ("moe", .text), ("name", .text), ("language", .text), ("services", .text),
                                           ("areas", .text), ("created_at", .date), ("removed_at", .date)]),
        CopiedTable("crew_members", order: "msisdn", [("msisdn", .text), ("crew_id", .integer)]),
        CopiedTable("tickets", order: "id", [
            ("id", .integer), ("reference", .text), ("service", .text), ("fault", .text), ("area", .text), ("address", .text),
            ("description", .text), ("moe", .text), ("queue", .text), ("status", .text), ("channel", .text), ("reporter", .text),
            ("language", .text), ("public_update", .text), ("expected_at", .date), ("created_at", .date), ("updated_at", .date),
            ("source_org", .integer), ("external_id", .text), ("assignee", .text), ("duplicate_of", .integer), ("due_at", .date),
            ("acknowledge_due_at", .date), ("paused_at", .date), ("escalation_level", .integer), ("source_upload", .integer),
            ("lat", .real), ("long", .real), ("priority", .text), ("crew_id", .integer), ("crew_assigned_at", .date), ("on_site_at", .date),
            ("field_flag", .text), ("possible_duplicate_of", .integer), ("street_number", .text),
        ], selfReferences: ["duplicate_of", "possible_duplicate_of"]),
        CopiedTable("ticket_reporters", order: "id", [("id", .integer), ("ticket_id", .integer), ("msisdn", .text), ("language", .text),
                                                      ("channel", .text), ("created_at", .date)]),
        CopiedTable("reporter_details", order: "ticket_id", [("ticket_id", .integer), ("email", .text), ("first_name", .text), ("last_name", .text),
                                                             ("media_url", .text), ("attributes", .text)]),
        CopiedTable("ticket_events", order: "id", [("id", .integer), ("ticket_id", .integer), ("at", .date), ("kind", .text), ("from_status", .text),
                                                   ("to_status", .text), ("note", .text), ("is_public", .boolean), ("actor", .text)]),
        CopiedTable("outbox", order: "id", [
            ("id", .integer), ("ticket_id", .integer), ("msisdn", .text), ("body", .text), ("status", .text), ("attempts", .integer),
            ("next_attempt_at", .date), ("provider_message_id", .text), ("last_error", .text), ("created_at", .date), ("updated_at", .date),
            ("even_if_opted_out", .boolean), ("segments", .integer), ("sent_at", .date), ("delivered_at", .date), ("handed_at", .date),
            ("priority", .integer), ("quiet", .boolean),
        ]),
        CopiedTable("inbound_sms", order: "id", [("id", .integer), ("provider", .text), ("provider_id", .text), ("msisdn", .text), ("body", .text),
                                                 ("received_at", .date)]),
        CopiedTable("subscribers", order: "msisdn", [("msisdn", .text), ("language", .text), ("opted_out", .boolean), ("opted_out_at", .date),
                                                     ("last_help_at", .date), ("updated_at", .date)]),
        CopiedTable("ussd_sessions", order: "key", [
            ("key", .text), ("msisdn", .text), ("service_code", .text), ("state", .text), ("last_text", .text), ("last_reply", .text),
            ("last_reply_final", .boolean), ("resumable", .boolean), ("version", .integer), ("created_at", .date), ("updated_at", .date),
        ]),
        CopiedTable("surveys", order: "id", [
            ("id", .integer), ("ticket_id", .integer), ("msisdn", .text), ("reference", .text), ("resolution", .integer), ("sent_at", .date),
            ("rating", .integer), ("answered_at", .date),
        ]),
        CopiedTable("staff_mail", order: "id", [
            ("id", .integer), ("ticket_id", .integer), ("address", .text), ("subject", .text), ("body", .text), ("status", .text),
            ("attempts", .integer), ("next_attempt_at", .date), ("lease_until", .date), ("last_error", .text), ("created_at", .date),
            ("updated_at", .date),
        ]),
        CopiedTable("incidents", order: "id", [
            ("id", .integer), ("moe", .text), ("service", .text), ("faults", .text), ("areas", .text), ("description", .text),
            ("expected_at", .date), ("status", .text), ("created_at", .date), ("updated_at", .date), ("closed_at", .date),
            ("starts_at", .date), ("sequence", .integer),
        ]),
        CopiedTable("incident_events", order: "id", [
            ("id", .integer), ("incident_id", .integer), ("at", .date), ("kind", .text), ("description", .text), ("expected_at", .date),
            ("areas", .text), ("actor", .text),
        ]),
        CopiedTable("incident_residents", order: "incident_id, msisdn", [
            ("incident_id", .integer), ("msisdn", .text), ("language", .text), ("channel", .text), ("attached_at", .date),
        ]),
        CopiedTable("area_alerts", order: "id", [
            ("id", .integer), ("incident_id", .integer), ("kind", .text), ("due_at", .date), ("cursor", .text), ("recipients", .integer),
            ("queued_at", .date), ("created_at", .date),
        ]),
        CopiedTable("alert_subscriptions", order: "id", [("id", .integer), ("msisdn", .text), ("area", .text), ("language", .text),
                                                         ("created_at", .date)]),
        CopiedTable("job_leases", order: "name", [("name", .text), ("holder", .text), ("until", .date)]),
        CopiedTable("incident_tickets", order: "ticket_id", [
            ("ticket_id", .integer), ("incident_id", .integer), ("linked_at", .date), ("linked_by", .text),
        ]),
        CopiedTable("users", order: "id", [("id", .integer), ("username", .text), ("password_hash", .text), ("moe", .text), ("role", .text),
                                           ("created_at", .date), ("disabled_at", .date), ("phone", .text), ("email", .text), ("head", .boolean)]),
        CopiedTable("moe_tokens", order: "id", [("id", .integer), ("moe", .text), ("token_hash", .text), ("token_prefix", .text),
                                                ("created_at", .date), ("revoked_at", .date)]),
        CopiedTable("staff_sessions", order: "token_hash", [("token_hash", .text), ("user_id", .integer), ("csrf", .text), ("created_at", .date),
                                                            ("last_seen_at", .date)]),
        CopiedTable("sign_in_failures", order: "key", [("key", .text), ("failures", .integer), ("last_at", .date)]),
        CopiedTable("secrets", order: "name", [("name", .text), ("value", .text)]),
        CopiedTable("audit_log", order: "id", [("id", .integer), ("at", .date), ("actor", .text), ("action", .text), ("ticket_id", .integer),
                                               ("detail", .text), ("address", .text)]),
        CopiedTable("webhook_subscriptions", order: "id", [
            ("id", .integer), ("moe", .text), ("url", .text), ("events", .text), ("secret", .text), ("created_at", .date), ("failures", .integer),
            ("failing_since", .date), ("retry_at", .date), ("disabled_at", .date), ("disabled_reason", .text),
        ]),
        CopiedTable("webhook_messages", order: "id", [
            ("id", .integer), ("subscription_id", .integer), ("message_id", .text), ("type", .text), ("subject", .text), ("data", .text),
            ("occurred_at", .date), ("status", .text), ("attempts", .integer), ("next_attempt_at", .date), ("lease_until", .date),
            ("last_attempt_at", .date), ("last_status", .integer), ("last_error", .text), ("delivered_at", .date), ("created_at", .date),
        ]),
        CopiedTable("daily_figures", order: "day, moe, service, area", [
            ("day", .integer), ("moe", .text), ("service", .text), ("area", .text), ("received", .integer), ("open", .integer),
            ("closed_on", .text), ("last_closed", .integer), ("figures", .text),
        ]),
        CopiedTable("figure_days", order: "day", [("day", .integer), ("made_at", .date)]),
    ]

    /// Tables and columns that are not copied, and why. Every other one of either store's schema
    /// is in `tables` (CopyDatabaseTests checks both schemas against these two lists).
    public static let notCopied: [String: String] = [
        "grdb_migrations": "each store records the migrations it ran itself",
        "schema_migrations": "each store records the migrations it ran itself",
        "store_meta": "SQLite's own count of durable commits",
        "rate_buckets": "PostgreSQL's request limits: a minute's worth, refilled as requests come",
        "figures_changed": "filled on the target by the copied tickets' own triggers, so their figures are counted again there",
        "users.failed_logins": "SQLite only, unused since sign-in throttling moved to sign_in_failures",
        "users.locked_until": "SQLite only, unused since sign-in throttling moved to sign_in_failures",
        "outbox.lease_until": "PostgreSQL only: a sender's claim on a message, which no copied message holds",
    ]

    public enum Problem: Error, CustomStringConvertible {
        case targetNotEmpty(String, Int)
        case countsDiffer(String, source: Int, target: Int)
        public var description: String {
            switch self {
            case .targetNotEmpty(let t, let n): "the target database is not empty (\(t) has \(n) rows): copy into a new, empty database"
            case .countsDiffer(let t, let s, let c): "after the copy \(t) has \(c) rows where the source has \(s)"
            }
        }
    }

    /// Copies every table from `source` into the empty `target` in batches, then checks that every
    /// table has as many rows on both sides. Returns the counts.
    public static func copy(from source: any CopyableStore, to target: any CopyableStore, batch: Int = 2000,
                            progress: (String, Int) -> Void = { _, _ in }) async throws -> [(table: String, rows: Int)] {
        for table in tables {
            let n = try await target.count(table)
            guard n == 0 else { throw Problem.targetNotEmpty(table.name, n) }
        }
        var links: [(table: CopiedTable, rows: [(key: CellValue, column: String, value: CellValue)])] = []
        var counts: [(table: String, rows: Int)] = []
        for table in tables {
            let keyIndex = table.columns.firstIndex { $0.name == table.order } ?? 0
            let linkIndexes = table.selfReferences.compactMap { name in table.columns.firstIndex { $0.name == name }.map { (name, $0) } }
            var later: [(key: CellValue, column: String, value: CellValue)] = []
            var offset = 0
            while true {
                var rows = try await source.rows(table, offset: offset, limit: batch)
                if rows.isEmpty { break }
                for (name, i) in linkIndexes {
                    for r in rows.indices where rows[r][i] != .null {
                        later.append((rows[r][keyIndex], name, rows[r][i]))
                        rows[r][i] = .null
                    }
                }
                try await target.insert(table, rows)
                offset += rows.count
                progress(table.name, offset)
            }
            if !later.isEmpty { links.append((table, later)) }
            counts.append((table.name, offset))
        }
        try await target.finishCopy(tables, selfReferences: links)
        for table in tables {
            let (s, t) = (try await source.count(table), try await target.count(table))
            guard s == t else { throw Problem.countsDiffer(table.name, source: s, target: t) }
        }
        return counts
    }
}
