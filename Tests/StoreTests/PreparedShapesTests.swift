import Domain
import Foundation
import Gateway
import Persistence
@testable import PostgresStore
import Testing

/// The confirmation's statements are prepared on PostgreSQL only when a hop's statement has the
/// shape's text: if the shared statement changed so that a hop's no longer did, every
/// confirmation would quietly be planned again (correct, but slow). These pin the match.
struct PreparedShapesTests {
    let caller = MSISDN("+27821234567")!
    let at = Date(timeIntervalSince1970: 1_800_000_000)

    /// A USSD report as a hop files it: no fault description, no location.
    var ussdTicket: NewTicket {
        let draft = TicketDraft(reference: .unfiled, service: "electricity", fault: "no_power", area: "ward 12", address: "12 Vilakazi St",
                                channel: .ussd, reporter: caller, language: "zu")
        return NewTicket(draft: draft, destination: Destination(moe: "power", queue: "outages"), createdAt: at, confirmation: "Ref 123",
                         dueAt: nil, acknowledgeDueAt: nil, priority: .urgent)
    }

    @Test func aHopsConfirmationHasTheConfirmationShapeWhateverItsValues() throws {
        let statement = TicketStatements.insertCreated(ussdTicket, cap: ReportLimit(msisdn: caller, limit: 5, since: at))
        let prepared = try #require(Prepared<ConfirmationShape>(statement))
        #expect(prepared.query.binds.count == ConfirmationShape.shape.types.count)
        // Without a reporter there is no SMS to queue: another shape, run as it is.
        var anonymous = ussdTicket
        anonymous.draft.reporter = nil
        anonymous.confirmation = nil
        #expect(Prepared<ConfirmationShape>(TicketStatements.insertCreated(anonymous, cap: nil)) == nil)
    }

    @Test func anOfferLookupByStreetNumberHasTheOffersShape() throws {
        let statement = ReportStatements.offers(service: "water", area: "ward 3", since: at, digits: "12", notReportedBy: caller, limit: 3)
        #expect(Prepared<OffersShape>(statement) != nil)
        // A landmark has no street number: another shape.
        #expect(Prepared<OffersShape>(ReportStatements.offers(service: "water", area: "ward 3", since: at, digits: nil, notReportedBy: caller,
                                                             limit: 3)) == nil)
    }
}
