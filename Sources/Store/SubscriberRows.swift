import Domain
import Foundation
import Gateway
import GRDB

/// The `subscribers` table: language, opt-out, help throttling per phone number.
enum SubscriberRows {
    /// By number in E.164, or by pseudonym.
    static func fetch(_ db: Database, _ key: String) throws -> Subscriber? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT language, opted_out, last_help_at FROM subscribers WHERE msisdn = ?"),
                         arguments: [key])
            .map { Subscriber(language: $0["language"], optedOut: $0["opted_out"], lastHelpAt: $0["last_help_at"]) }
    }

    static func setLanguage(_ db: Database, _ number: String, _ code: String, at: Date) throws {
        try db.cachedStatement(sql: """
            INSERT INTO subscribers (msisdn, language, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (msisdn) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at
            """).execute(arguments: [number, code, DatabaseDate.text(at)])
    }

    static func setOptOut(_ db: Database, _ msisdn: MSISDN, _ optOut: Bool, at: Date) throws {
        try db.execute(sql: """
            INSERT INTO subscribers (msisdn, opted_out, opted_out_at, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (msisdn) DO UPDATE SET opted_out = excluded.opted_out, opted_out_at = excluded.opted_out_at, updated_at = excluded.updated_at
            """, arguments: [msisdn.e164, optOut, optOut ? at : nil, at])
    }

    static func recordContact(_ db: Database, _ msisdn: MSISDN, at: Date) throws {
        try db.execute(sql: "INSERT INTO subscribers (msisdn, updated_at) VALUES (?, ?) ON CONFLICT (msisdn) DO NOTHING",
                       arguments: [msisdn.e164, at])
    }

    static func setHelpSent(_ db: Database, _ msisdn: MSISDN, at: Date) throws {
        try db.execute(sql: """
            INSERT INTO subscribers (msisdn, last_help_at, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (msisdn) DO UPDATE SET last_help_at = excluded.last_help_at, updated_at = excluded.updated_at
            """, arguments: [msisdn.e164, at, at])
    }
}

/// The `inbound_sms` table: every SMS received, once per provider message id.
enum InboundRows {
    static func seen(_ db: Database, provider: String, id: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM inbound_sms WHERE provider = ? AND provider_id = ?)", arguments: [provider, id]) ?? false
    }

    /// False when this provider id was already recorded.
    static func record(_ db: Database, _ r: InboundRecord) throws -> Bool {
        try db.execute(sql: """
            INSERT INTO inbound_sms (provider, provider_id, msisdn, body, received_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (provider, provider_id) DO NOTHING
            """, arguments: [r.provider, r.providerID, r.from.e164, r.text, r.receivedAt])
        return db.changesCount == 1
    }
}
