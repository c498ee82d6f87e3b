import Domain
import Foundation
import Gateway

/// Reports as a number makes them, for both stores: how many today (tickets by USSD and SMS, and
/// tickets joined), a join itself, and the open tickets a report by USSD or SMS is offered to join.
public enum ReportStatements {
    /// Reports `msisdn` made since `since`: its tickets by USSD and SMS, and the tickets it was
    /// added to (`tickets_reporter` and `ticket_reporters_msisdn` serve it). One column, `n`.
    public static func made(by msisdn: MSISDN, since: Date) -> SQL { made(number: "\(msisdn.e164)", since: "\(since)") }

    /// The same with the number and the day's start as SQL (PostgreSQL's `cg_reports_made` has it
    /// with its arguments' names: `OneStatementConfirmationTests` holds the two together).
    public static func made(number: SQL, since: SQL) -> SQL {
        """
        SELECT (SELECT COUNT(*) FROM tickets WHERE reporter = \(number) AND created_at >= \(since) AND channel IN ('ussd', 'sms'))
             + (SELECT COUNT(*) FROM ticket_reporters WHERE msisdn = \(number) AND created_at >= \(since)) AS n
        """
    }

    /// Adds the number to the ticket's top of chain, once; its history says another resident
    /// reported it (not who). A ticket gone since the offer: nothing.
    public static func join(_ join: TicketJoin, at: Date) -> SQLFlow<Void> {
        .run("SELECT COALESCE(duplicate_of, id) AS id FROM tickets WHERE reference = \(join.reference.digits)") { rows in
            guard let id = try rows.first?.integer(required: "id") else { return .done(()) }
            let insert: SQL = """
                INSERT INTO ticket_reporters (ticket_id, msisdn, language, channel, created_at)
                VALUES (\(id), \(join.msisdn.e164), \(join.language), \(join.channel.rawValue), \(at))
                ON CONFLICT (ticket_id, msisdn) DO NOTHING RETURNING id
                """
            return .run(insert) { added in
                guard !added.isEmpty else { return .done(()) }
                let note = "another resident reported it (\(join.channel.rawValue.uppercased()))"
                return .write([
                    TicketStatements.event(TicketEventRecord(kind: .reporterAdded, from: nil, to: nil, note: note, isPublic: false), ticketID: id,
                                           actor: join.channel.rawValue, at: at),
                    // The daily figures count reports added: the ticket's day is made again.
                    """
                    INSERT INTO figures_changed (ticket_id, version, created_at) SELECT id, 1, created_at FROM tickets WHERE id = \(id)
                    ON CONFLICT (ticket_id) DO UPDATE SET version = figures_changed.version + 1
                    """,
                ], ())
            }
        }
    }

    /// A service's open tickets since `since`, newest first, in `area` or of no known area (nil:
    /// any area), at the street number's `digits`, that `caller` neither reported nor joined (being
    /// "added" to one's own report means nothing): the offer on a confirmation hop.
    public static func offers(service: String, area: String?, since: Date, digits: String?, notReportedBy caller: MSISDN, limit: Int) -> SQL {
        DuplicateStatements.candidates(service: service, moe: nil, area: area, digits: digits, notReportedBy: caller, since: since, limit: limit)
    }

    /// A report filed by an organisation or through Open311 that likely repeats an open ticket of
    /// its MOE: never merged, but linked to it as a possible duplicate for a dispatcher, with a
    /// history entry saying why. Located reports are compared across areas, others within theirs.
    public static func linkLikelyDuplicate(_ id: Int64, _ ticket: NewTicket, rules: DuplicateRules) -> SQLFlow<Reference?> {
        let d = ticket.draft
        let since = ticket.createdAt.addingTimeInterval(-rules.window(d.service, d.fault))
        // Without a point only the words can match: a street number must be in the other's too.
        let area = d.location == nil && d.area != "unknown" ? d.area : nil
        let digits = d.location == nil ? ReportedPlace(d.address).numberDigits : nil
        let around = DuplicateStatements.candidates(service: d.service, moe: ticket.destination.moe, area: area, digits: digits, since: since, limit: 200)
        return .run(around) { rows in
            let report = DuplicateCandidate(reference: d.reference, service: d.service, fault: d.fault, area: d.area, address: d.address,
                                            location: d.location, createdAt: ticket.createdAt, status: .new)
            guard let match = rules.likelyDuplicates(of: report, among: try rows.map(DuplicateStatements.candidate), now: ticket.createdAt, limit: 1).first
            else { return .done(nil) }
            let why = match.reason == .samePlace ? "the same place" : "\(Int(match.metres.rounded())) m apart"
            let note = "likely the same fault as \(match.ticket.reference.grouped): \(why)"
            return .write([
                "UPDATE tickets SET possible_duplicate_of = (SELECT id FROM tickets WHERE reference = \(match.ticket.reference.digits)) WHERE id = \(id)",
                TicketStatements.event(TicketEventRecord(kind: .possibleDuplicate, from: nil, to: nil, note: note, isPublic: false), ticketID: id,
                                       actor: d.channel.rawValue, at: ticket.createdAt),
            ], match.ticket.reference)
        }
    }
}
