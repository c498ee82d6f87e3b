import Domain
import Foundation
import Gateway
import GRDB

/// Ticket actions: each changes the ticket, writes its history and the audit log, and queues the
/// reporters' SMS, in one transaction, so none happens without the others.
extension SQLiteStaffStore {
    public func perform(_ action: TicketAction, on reference: Reference, scope: String?, actor: String, at: Date,
                        notice: @escaping NoticeWording) async throws -> ActionOutcome {
        try await database.writer.write { db in
            guard let ticket = try TicketActions.Ticket.fetch(db, reference.digits, scope: scope) else { return .notFound }
            let change = TicketActions(db: db, ticket: ticket, actor: actor, at: at, notice: notice)
            let outcome = try change.apply(action, scope: scope)
            if outcome == .done {
                try db.execute(sql: "INSERT INTO audit_log (at, actor, action, ticket_id, detail) VALUES (?, ?, ?, ?, ?)",
                               arguments: [at, actor, action.name, ticket.id, TicketActions.detail(action)])
            }
            return outcome
        }
    }
}

struct TicketActions {
    struct Ticket {
        var id: Int64
        var reference: String
        var status: TicketStatus
        var moe: String
        var queue: String
        var duplicateOf: Int64?

        static func fetch(_ db: Database, _ reference: String, scope: String?) throws -> Ticket? {
            try Row.fetchOne(db, sql: "SELECT id, reference, status, moe, queue, duplicate_of FROM tickets WHERE reference = ? AND (? IS NULL OR moe = ?)",
                             arguments: [reference, scope, scope]).map {
                Ticket(id: $0[0], reference: $0[1], status: TicketStatus(rawValue: $0[2]) ?? .new, moe: $0[3], queue: $0[4], duplicateOf: $0[5])
            }
        }
    }

    let db: Database
    let ticket: Ticket
    let actor: String
    let at: Date
    let notice: NoticeWording

    func apply(_ action: TicketAction, scope: String?) throws -> ActionOutcome {
        switch action {
        case .acknowledge:
            guard ticket.status.isOpen else { return .refused("This ticket is \(ticket.status.rawValue); reopen it with a status change first.") }
            try setStatus(.acknowledged, note: nil, isPublic: true)
            try notify(.acknowledged, update: nil)
        case .assign(let assignee):
            let assignee = assignee.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !assignee.isEmpty, assignee.count <= 80 else { return .refused("Name a crew or person (up to 80 characters).") }
            guard ticket.status.isOpen else { return .refused("This ticket is \(ticket.status.rawValue); reopen it with a status change first.") }
            try db.execute(sql: "UPDATE tickets SET assignee = ? WHERE id = ?", arguments: [assignee, ticket.id])
            // Assigning a ticket nobody has started moves it on; one already under way keeps its status.
            if [.new, .acknowledged].contains(ticket.status) {
                try setStatus(.assigned, note: "to \(assignee)", isPublic: false, kind: "assigned")
                try notify(.assigned, update: nil)
            } else {
                try event(kind: "assigned", to: ticket.status, note: "to \(assignee)", isPublic: false)
            }
        case .status(let status, let publicUpdate, let internalNote, let expectedAt):
            guard status != .new, status != .duplicate else { return .refused("Use re-route or mark duplicate for that.") }
            let expected = try expectedAt ?? Date.fetchOne(db, sql: "SELECT expected_at FROM tickets WHERE id = ?", arguments: [ticket.id])
            guard status != .scheduled || expected != nil else { return .refused("A scheduled ticket needs an expected date.") }
            try db.execute(sql: """
                UPDATE tickets SET public_update = COALESCE(?, public_update), expected_at = COALESCE(?, expected_at) WHERE id = ?
                """, arguments: [publicUpdate, expectedAt, ticket.id])
            try setStatus(status, note: publicUpdate ?? internalNote, isPublic: publicUpdate != nil)
            if let publicUpdate { try notify(status, update: publicUpdate) }
        case .reroute(let moe, let queue, let reason):
            let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !reason.isEmpty else { return .refused("Say why it is not yours: the other MOE reads the reason.") }
            guard queue != ticket.queue else { return .refused("The ticket is already in \(queue).") }
            // The ticket and its duplicates move together, as new work for the other MOE. A ticket
            // that was itself a duplicate leaves its master behind: a master and its duplicates are
            // always in one MOE, so no action in one MOE can reach a ticket of another.
            try db.execute(sql: "UPDATE tickets SET moe = ?, queue = ?, assignee = NULL WHERE id = ? OR duplicate_of = ?",
                           arguments: [moe, queue, ticket.id, ticket.id])
            if ticket.duplicateOf != nil {
                try db.execute(sql: "UPDATE tickets SET duplicate_of = NULL WHERE id = ?", arguments: [ticket.id])
            }
            try setStatus(.new, note: "from \(ticket.moe)/\(ticket.queue) to \(moe)/\(queue): \(reason)", isPublic: false, kind: "rerouted")
        case .duplicate(let masterReference):
            // Only within the ticket's own MOE, whoever asks (an administrator too).
            guard var master = try Ticket.fetch(db, masterReference.digits, scope: ticket.moe),
                  scope == nil || scope == ticket.moe else {
                return .refused("There is no ticket \(masterReference.grouped) in the queues of \(ticket.moe).")
            }
            if let top = master.duplicateOf {
                guard let parent = try String.fetchOne(db, sql: "SELECT reference FROM tickets WHERE id = ?", arguments: [top]),
                      let resolved = try Ticket.fetch(db, parent, scope: ticket.moe) else {
                    return .refused("Ticket \(masterReference.grouped) is a duplicate of a ticket in another MOE's queues.")
                }
                master = resolved
            }
            guard master.id != ticket.id else { return .refused("A ticket cannot be a duplicate of itself.") }
            let told = try Self.reporters(db, of: ticket.id)
            try db.execute(sql: "UPDATE tickets SET duplicate_of = ? WHERE duplicate_of = ?", arguments: [master.id, ticket.id])
            try db.execute(sql: "UPDATE tickets SET duplicate_of = ?, assignee = NULL WHERE id = ?", arguments: [master.id, ticket.id])
            let grouped = try Reference(parsing: master.reference).grouped
            try setStatus(.duplicate, note: "duplicate of \(grouped)", isPublic: false, kind: "duplicate")
            try insertEvent(ticketID: master.id, kind: "merged", from: nil, to: nil,
                            note: "\(try Reference(parsing: ticket.reference).grouped) merged in", isPublic: false)
            try send(to: told, status: .duplicate, update: "Same fault as ref \(grouped): you will get its updates.")
        }
        return .done
    }

    static func detail(_ action: TicketAction) -> String? {
        switch action {
        case .acknowledge: nil
        case .assign(let to): "to \(to)"
        case .status(_, let publicUpdate, let note, let expected):
            [publicUpdate.map { "public update: \($0)" }, note.map { "internal note: \($0)" },
             expected.map { "expected \(ISO8601DateFormatter.string(from: $0, timeZone: .gmt, formatOptions: [.withFullDate]))" }]
                .compactMap { $0 }.joined(separator: "; ")
        case .reroute(let moe, let queue, let reason): "to \(moe)/\(queue): \(reason)"
        case .duplicate(let master): "of \(master.grouped)"
        }
    }

    func setStatus(_ status: TicketStatus, note: String?, isPublic: Bool, kind: String = "status") throws {
        try db.execute(sql: "UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?", arguments: [status.rawValue, at, ticket.id])
        try event(kind: kind, to: status, note: note, isPublic: isPublic)
    }

    func event(kind: String, to status: TicketStatus, note: String?, isPublic: Bool) throws {
        try insertEvent(ticketID: ticket.id, kind: kind, from: ticket.status, to: status, note: note, isPublic: isPublic)
    }

    func insertEvent(ticketID: Int64, kind: String, from: TicketStatus?, to: TicketStatus?, note: String?, isPublic: Bool) throws {
        try db.execute(sql: """
            INSERT INTO ticket_events (ticket_id, at, kind, from_status, to_status, note, is_public, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [ticketID, at, kind, from?.rawValue, to?.rawValue, note, isPublic, actor])
    }

    /// Every reporter of the ticket and of its duplicates is told, once per phone number.
    func notify(_ status: TicketStatus, update: String?) throws {
        try send(to: try Self.reporters(db, of: ticket.id), status: status, update: update)
    }

    func send(to reporters: [Reporter], status: TicketStatus, update: String?) throws {
        for r in reporters {
            let body = notice(try Reference(parsing: r.reference), status, update, r.language)
            try OutboxRows.enqueue(db, OutboundSMS(to: r.msisdn, body: body), ticketID: r.ticketID, at: at)
        }
    }

    struct Reporter {
        var ticketID: Int64
        var reference: String
        var msisdn: MSISDN
        var language: String
    }

    /// The reporters of a ticket and its duplicates, the ticket's own first, one per number.
    static func reporters(_ db: Database, of id: Int64) throws -> [Reporter] {
        var seen = Set<String>()
        return try Row.fetchAll(db, sql: """
            SELECT id, reference, reporter, language FROM tickets WHERE (id = ? OR duplicate_of = ?) AND reporter IS NOT NULL
            ORDER BY id = ? DESC, created_at
            """, arguments: [id, id, id]).compactMap { row in
            guard let msisdn = MSISDN(row[2]), seen.insert(msisdn.e164).inserted else { return nil }
            return Reporter(ticketID: row[0], reference: row[1], msisdn: msisdn, language: row[3])
        }
    }
}
