import Domain
import FlowEngine
import Foundation

/// What every channel does the same way when a ticket is made or changes: route it, and word the
/// SMS the reporter gets, in their language and in the cheaper SMS spelling.
extension FlowEngine {
    /// The ticket as stored: routed now, with the reporter's confirmation if one should be sent.
    public func newTicket(_ draft: TicketDraft, at now: Date, confirm: Bool) -> NewTicket {
        let destination = draft.outsideAreas ? catalogue.routing.triage : catalogue.routing.route(service: draft.service, area: draft.area)
        let due = serviceLevels.targets(service: draft.service, fault: draft.fault, moe: destination.moe, from: now)
        return NewTicket(draft: draft, destination: destination, createdAt: now,
                         confirmation: confirm && draft.reporter != nil ? createdNotice(draft) : nil,
                         dueAt: due.resolve, acknowledgeDueAt: due.acknowledge,
                         priority: catalogue.priority(service: draft.service, fault: draft.fault))
    }

    /// "We received your report ... Your reference is ...".
    public func createdNotice(_ draft: TicketDraft) -> String {
        let loc = locales.locale(draft.language)
        return SMSMeasure.cheapest(Template.fill(loc.strings["sms.ticket_created"] ?? "{reference}", [
            "reference": draft.reference.grouped,
            "service": loc.strings["service.\(draft.service)"] ?? draft.service,
            "fault": loc.strings["fault.\(draft.service).\(draft.fault)"] ?? loc.strings["service.\(draft.service)"] ?? draft.fault,
        ]))
    }

    /// "You are added to ref …": the SMS a resident added to a ticket already reported keeps.
    public func joinedNotice(_ reference: Reference, language: String) -> String {
        SMSMeasure.cheapest(Template.fill(locales.locale(language).strings["duplicate.joined_sms"] ?? "{join_reference}",
                                          ["join_reference": reference.grouped]))
    }

    /// One SMS for several reports filed for one number at once (a committee's upload): how many,
    /// and the first references, in the first report's language.
    public func createdSummary(_ tickets: [NewTicket]) -> String {
        let language = tickets.first?.draft.language ?? locales.fallback
        let loc = locales.locale(language)
        var references = tickets.prefix(3).map(\.draft.reference.grouped).joined(separator: ", ")
        if tickets.count > 3 { references += ", ..." }
        return SMSMeasure.cheapest(Template.fill(loc.strings["sms.tickets_created"] ?? "{count}: {tickets}", [
            "count": "\(tickets.count)", "tickets": references,
        ]))
    }

    /// "Your ticket is the same fault as ref ...: you will get its updates", in the reporter's language.
    public func mergedNotice(reference: Reference, into master: Reference, language: String) -> String {
        let loc = locales.locale(language)
        return SMSMeasure.cheapest(Template.fill(loc.strings["sms.merged"] ?? "{reference}: {master}", [
            "reference": reference.grouped, "master": master.grouped,
        ]))
    }

    /// The SMS a reporter gets when their ticket changes publicly, in their language. The update is
    /// staff's words sent to every reporter of the ticket and its duplicates: scrubbed as public text.
    public func statusNotice(reference: Reference, status: TicketStatus, update: String?, language: String) -> String {
        let loc = locales.locale(language)
        return SMSMeasure.cheapest(Template.fill(loc.strings["sms.status_update"] ?? "{reference}: {status}. {update}", [
            "reference": reference.grouped,
            "status": loc.strings["status.\(status.rawValue)"] ?? status.rawValue,
            "update": update.map(PublicText.scrub) ?? "",
        ]).trimmingCharacters(in: .whitespaces))
    }
}
