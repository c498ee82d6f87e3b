import GRDB
import Persistence

/// The schema's migrations (`Persistence.Schema`), run by GRDB's migrator, which records each
/// under its identifier.
extension AppDatabase {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (id, statements) in Schema.migrations(for: .sqlite) {
            migrator.registerMigration(id) { db in
                for statement in statements { try db.execute(sql: statement) }
            }
        }
        return migrator
    }
}

extension AppDatabase {
    /// What `civicgate doctor` reads of a SQLite file without changing it: the migrations not yet
    /// applied (serve applies them at start), and whether the file answers a read.
    public static func pendingMigrations(path: String) throws -> [String] {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(5)
        let queue = try DatabaseQueue(path: path, configuration: config)
        return try queue.read { db in
            let applied = try db.tableExists("grdb_migrations") ? Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")) : []
            return Schema.migrations(for: .sqlite).map(\.id).filter { !applied.contains($0) }
        }
    }
}
