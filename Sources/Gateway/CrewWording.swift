import Domain
import FlowEngine
import Foundation

/// What crews and residents read about field work, in their languages and the cheaper SMS spelling.
extension FlowEngine {
    /// The first word of `keyword.<name>` in `language`: how to answer, in the crew's words.
    func keywordWord(_ name: String, _ loc: LocaleStrings) -> String {
        (loc.strings["keyword.\(name)"] ?? name.uppercased()).split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? name.uppercased()
    }

    /// The values a crew's texts fill in: the keywords to answer with, in the crew's language.
    func crewKeywords(_ loc: LocaleStrings) -> [String: String] {
        ["onsite": keywordWord("onsite", loc), "done": keywordWord("done", loc), "cant": keywordWord("cant", loc), "jobs": keywordWord("jobs", loc)]
    }

    /// The job card every member of a crew gets when a ticket is assigned to it: reference, fault
    /// and area, address or landmark, due time, how many residents reported it, and how to answer.
    /// Never a resident's number: the address is scrubbed as public text.
    public func jobCard(_ ticket: TicketRecord, crew: Crew, reports: Int) -> String {
        let loc = locales.locale(crew.language)
        let s = ticket.state
        var values = crewKeywords(loc)
        values["reference"] = s.reference.grouped
        values["digits"] = s.reference.digits
        values["job"] = jobLabel(service: s.service, fault: s.fault, area: ticket.area, loc)
        values["address"] = ticket.address.map { String(PublicText.scrub($0).prefix(100)) } ?? ""
        values["due"] = s.dueAt.map(settings.calendar.moment) ?? loc.strings["track.no_date"] ?? ""
        values["reports"] = String(max(1, reports))
        // A report with no address (Open311 with a location only): no empty sentence.
        let card = Template.fill(loc.strings["crew.card"] ?? "{reference}: {job}", values).replacingOccurrences(of: ". . ", with: ". ")
        return SMSMeasure.cheapest(card)
    }

    /// A crew member's reply, in the crew's language.
    public func crewText(_ key: String, crew: Crew, _ values: [String: String] = [:]) -> String {
        let loc = locales.locale(crew.language)
        return SMSMeasure.cheapest(Template.fill(loc.strings[key] ?? key, crewKeywords(loc).merging(values) { $1 }))
    }

    /// `JOBS`: the crew's open jobs, oldest first, within `segments` SMS; "+N more" when they do not fit.
    public func jobsReply(_ jobs: [CrewJob], crew: Crew, segments: Int = 3) -> String {
        let loc = locales.locale(crew.language)
        guard !jobs.isEmpty else { return crewText("crew.no_jobs", crew: crew, ["crew": crew.name]) }
        let lines = jobs.map { "\($0.reference.grouped) \(jobLabel(service: $0.service, fault: $0.fault, area: $0.area, loc))" }
        let head = Template.fill(loc.strings["crew.jobs_head"] ?? "{crew}: {count}", ["crew": crew.name, "count": String(jobs.count)])
        func text(_ shown: Int) -> String {
            var parts = [head] + lines.prefix(shown)
            if shown < lines.count { parts.append(Template.fill(loc.strings["crew.jobs_more"] ?? "+{count}", ["count": String(lines.count - shown)])) }
            return SMSMeasure.cheapest(parts.joined(separator: "\n"))
        }
        // Lines are added while the reply (with its "+N more") stays within `segments`: one
        // measure per line shown, not per line read.
        var shown = 0
        var reply = text(0)
        while shown < lines.count {
            let next = text(shown + 1)
            guard SMSMeasure.of(next).segments <= segments else { break }
            (shown, reply) = (shown + 1, next)
        }
        return reply
    }

    /// What the residents are told of a crew's report, per shipped language (`{reference}` left
    /// for each reporter's own reference); empty when they are told nothing (cannot fix).
    public func fieldNotices(_ report: FieldReport) -> [String: String] {
        var out: [String: String] = [:]
        for loc in locales.ordered {
            switch report {
            case .onSite: out[loc.code] = loc.strings["sms.crew_on_site"] ?? "{reference}"
            case .done(let note):
                let said = note.map { PublicText.scrub($0).replacingOccurrences(of: "{", with: "(").replacingOccurrences(of: "}", with: ")") } ?? ""
                out[loc.code] = Template.fill(loc.strings["sms.crew_fixed"] ?? "{reference} {note}", ["note": said])
            case .cannotFix: break
            }
        }
        out[""] = out[locales.fallback]  // for a reporter whose language is no longer shipped
        return out
    }

    /// A resident's notice of a crew's report: on site, or fixed with what was done.
    func fieldNotice(reference: Reference, _ notice: TicketNotice, language: String) -> String {
        let notices: [String: String] = switch notice {
        case .onSite: fieldNotices(.onSite)
        case .fixed(let note): fieldNotices(.done(note: note))
        default: [:]
        }
        return Self.fill(notices, reference: reference, language: language)
    }

    /// `notices` (from `fieldNotices`) for one reporter: in their language, else the default one.
    static func fill(_ notices: [String: String], reference: Reference, language: String) -> String {
        SMSMeasure.cheapest(Template.fill(notices[language] ?? notices[""] ?? "", ["reference": reference.grouped])
            .trimmingCharacters(in: .whitespaces))
    }
}
