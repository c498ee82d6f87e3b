import Domain
import Foundation
import Gateway
import GRDB

extension SQLiteConversationTransaction {
    func openSurvey(of msisdn: MSISDN, since: Date) throws -> OpenSurvey? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT id, reference, answered_at FROM surveys WHERE msisdn = ? AND sent_at >= ? ORDER BY sent_at DESC, id DESC LIMIT 1
            """, arguments: [msisdn.e164, since]), (row["answered_at"] as Date?) == nil,
              let reference = try? Reference(parsing: row["reference"] as String) else { return nil }
        return OpenSurvey(id: row["id"], reference: reference)
    }
}
