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
