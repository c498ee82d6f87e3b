import Foundation
import GRDB
@testable import Store
import Testing

/// Upgrades of an existing SQLite file keep what it held.
@Suite struct MigrationTests {
    @Test func v16RebuildsTheUsersTableKeepingAccountsAndTheirSessions() throws {
        let queue = try DatabaseQueue()
        try AppDatabase.migrator.migrate(queue, upTo: "v15 purge leaves the daily figures alone")
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO users (username, password_hash, moe, role, created_at, phone, head) VALUES ('thandi', 'h', 'water', 'supervisor', ?, '+27820000001', 1)",
                           arguments: [now])
            try db.execute(sql: "INSERT INTO staff_sessions (token_hash, user_id, csrf, created_at, last_seen_at) VALUES ('t', 1, 'c', ?, ?)", arguments: [now, now])
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO users (username, password_hash, moe, role, created_at) VALUES ('nomsa', 'h', 'org:1', 'organisation', ?)", arguments: [now])
            }
        }
        try AppDatabase.migrator.migrate(queue)
        try queue.write { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT username, moe, role, phone, head FROM users WHERE id = 1"))
            let (name, role, phone, head): (String, String, String, Bool) = (row["username"], row["role"], row["phone"], row["head"])
            #expect(name == "thandi" && role == "supervisor" && phone == "+27820000001" && head)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM staff_sessions s JOIN users u ON u.id = s.user_id") == 1)
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            try db.execute(sql: "INSERT INTO users (username, password_hash, moe, role, created_at) VALUES ('nomsa', 'h', 'org:1', 'organisation', ?)", arguments: [now])
            try db.execute(sql: "DELETE FROM users WHERE username = 'thandi'")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM staff_sessions") == 0, "sessions still go with their user")
        }
    }
}
