import Domain
import FlowEngine
import Foundation

/// The keywords of a crew member's work number: `JOBS`, `ONSITE <ref>`, `DONE <ref> [what was
/// done]`, `CANT <ref> <reason>`, answered in one SMS in the crew's language (the number's own, if
/// it chose one). From any other number they are not keywords: the text is answered as before.
extension SmsKeywordHandlers {
    static let crew: [String: any SmsKeywordHandler] = [
        "jobs": Jobs(), "onsite": Field(kind: .onSite), "done": Field(kind: .done), "cant": Field(kind: .cannotFix),
    ]

    /// `JOBS`: the crew's open jobs, oldest first, within 3 SMS.
    struct Jobs: SmsKeywordHandler {
        func answer(_ turn: inout SmsTurn, settings: SmsGateway.Settings) throws -> SmsAnswer {
            guard let crew = try turn.crew() else { return try BareText().answer(&turn, settings: settings) }
            let jobs = try turn.reads.jobs(ofCrew: crew.id, limit: 100)
            return .plan(turn.crewReply(turn.engine.jobsReply(jobs, crew: crew)))
        }
    }

    /// `ONSITE`, `DONE`, `CANT` with a job's reference: decided first here by the ticket rules on
    /// what was read (the reply says what happened), then again in the store's transaction.
    struct Field: SmsKeywordHandler {
        enum Kind { case onSite, done, cannotFix }
        let kind: Kind

        func answer(_ turn: inout SmsTurn, settings: SmsGateway.Settings) throws -> SmsAnswer {
            guard let crew = try turn.crew() else { return try BareText().answer(&turn, settings: settings) }
            let engine = turn.engine
            let (digits, rest) = CrewReference.split(turn.argument)
            guard let digits else { return .plan(turn.crewReply(engine.crewText("crew.usage", crew: crew))) }
            guard let reference = try? Reference(parsing: digits) else {
                return .plan(turn.crewReply(engine.crewText("crew.bad_reference", crew: crew, ["digits": digits])))
            }
            let values = ["reference": reference.grouped, "digits": reference.digits, "crew": crew.name]
            guard let state = try turn.reads.fieldState(reference) else { return .plan(turn.crewReply(engine.crewText("crew.no_job", crew: crew, values))) }
            let report: FieldReport = switch kind {
            case .onSite: .onSite
            case .done: .done(note: rest.isEmpty ? nil : String(rest.prefix(160)))
            case .cannotFix: .cannotFix(reason: String(rest.prefix(300)))
            }
            let (field, reply) = CrewField.decide(report, on: state, values: values, crew: crew, channel: "SMS", member: turn.sms.from, engine: engine)
            turn.write.field = field
            return .plan(turn.crewReply(reply))
        }
    }
}

/// A crew's report decided and, when the rules take it, put in the hop's write; the reply words what happened.
enum CrewField {
    static func outcome(_ report: FieldReport, on state: TicketState, crew: Crew) -> Result<TicketChanges, TicketRefusal> {
        state.decide(.field(report, crew: crew.id))
    }

    /// The reply's text key for what the rules said.
    static func replyKey(_ report: FieldReport, _ result: Result<TicketChanges, TicketRefusal>) -> String {
        switch result {
        case .success:
            switch report {
            case .onSite: "crew.onsite_ok"
            case .done: "crew.done_ok"
            case .cannotFix: "crew.cant_ok"
            }
        case .failure(.notThisCrew): "crew.not_yours"
        case .failure(.alreadyOnSite): "crew.already_on_site"
        case .failure(.cannotFixReasonMissing): "crew.cant_usage"
        case .failure: "crew.closed"
        }
    }

    /// What to write (nil: the rules refused, nothing changes) and the reply's words.
    static func decide(_ report: FieldReport, on state: TicketState, values: [String: String], crew: Crew, channel: String, member: MSISDN,
                       engine: FlowEngine) -> (CrewFieldReport?, String) {
        let result = outcome(report, on: state, crew: crew)
        var values = values
        values["status"] = engine.locales.locale(crew.language).strings["status.\(state.status.rawValue)"] ?? state.status.rawValue
        if case .cannotFix(let reason) = report { values["reason"] = reason }
        var field: CrewFieldReport?
        if case .success = result {
            field = CrewFieldReport(reference: state.reference, crew: crew, report: report, member: member, channel: channel,
                                    notices: engine.fieldNotices(report), triageMOE: engine.serviceLevels.triageMOE)
        }
        return (field, engine.crewText(replyKey(report, result), crew: crew, values))
    }
}

extension CrewField {
    /// The calling number's crew's open jobs (none for a number that is in no crew).
    static func jobs(of msisdn: MSISDN, limit: Int, _ reads: any ConversationReads) throws -> QueryAnswer {
        guard let crew = try reads.crew(of: msisdn) else { return .crewJobs([], crew: "") }
        return .crewJobs(try reads.jobs(ofCrew: crew.id, limit: limit), crew: crew.name)
    }

    /// A report from USSD's "My jobs": what to write, or why not (the screen says it instead).
    static func ussd(_ report: FieldReport, on reference: Reference, caller: MSISDN, language: String?, _ reads: any ConversationReads,
                     engine: FlowEngine) throws -> (CrewFieldReport?, String?) {
        guard var crew = try reads.crew(of: caller) else { return (nil, engine.locales.locale(language).strings["common.error"] ?? "") }
        if let language { crew.language = language }
        let values = ["reference": reference.grouped, "digits": reference.digits, "crew": crew.name]
        guard let state = try reads.fieldState(reference) else { return (nil, engine.crewText("crew.no_job", crew: crew, values)) }
        let (field, reply) = decide(report, on: state, values: values, crew: crew, channel: "USSD", member: caller, engine: engine)
        return field == nil ? (nil, reply) : (field, nil)
    }
}

/// A job's reference at the start of what a crew typed: 9 digits, grouped or not ("482 109 375",
/// "482-109-375", "482109375"), and the words after it.
enum CrewReference {
    static func split(_ text: String) -> (digits: String?, rest: String) {
        var digits = ""
        var rest = Substring(text)
        while let first = rest.first, digits.count < 9 {
            if first.isASCII && first.isNumber { digits.append(first) } else if !(first == " " || first == "-") { break }
            rest = rest.dropFirst()
        }
        if let next = rest.first, next.isASCII && next.isNumber { return (nil, text) }  // more than 9 digits
        guard digits.count == 9 else { return (nil, text) }
        return (digits, rest.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ":-,."))))
    }
}

extension SmsTurn {
    /// The crew this number belongs to, with the number's own language if it chose one.
    func crew() throws -> Crew? {
        guard var crew = try reads.crew(of: sms.from) else { return nil }
        if let own = subscriber?.language { crew.language = own }
        return crew
    }

    /// A reply to a crew member: a work number, so no resident's privacy line.
    mutating func crewReply(_ text: String) -> SmsGateway.Plan {
        write.messages.append(OutboundSMS(to: sms.from, body: SMSMeasure.cheapest(text)))
        return .write(write)
    }
}
