import Domain
import FlowEngine
import Foundation

/// The crews of each MOE: adding and removing them (console, CLI), the crews page, and giving a
/// ticket to a crew, whose members get the job card.
public struct CrewDesk: Sendable {
    let roster: any CrewRoster
    let ledger: any TicketLedger
    let engine: FlowEngine
    let clock: any WallClock

    public init(roster: any CrewRoster, ledger: any TicketLedger, engine: FlowEngine, clock: any WallClock) {
        (self.roster, self.ledger, self.engine, self.clock) = (roster, ledger, engine, clock)
    }

    /// Why a crew was not added, in words for the operator.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case badName
        case noPhones
        case badPhone(String)
        case unknownLanguage(String)
        case unknownService(String)
        case unknownArea(String)
        case unknownMOE(String)
        case nameTaken(String)
        case numberTaken(MSISDN, crew: String)

        public var description: String {
            switch self {
            case .badName: "A crew's name is 1 to 60 letters, digits, spaces or - _ . & / '."
            case .noPhones: "A crew needs 1 to 50 members' phone numbers (--phone)."
            case .badPhone(let p): "Not a South African mobile number: \(p)."
            case .unknownLanguage(let l): "No such language: \(l)."
            case .unknownService(let s): "No such service in menus/catalogue.yaml: \(s)."
            case .unknownArea(let a): "No such area in menus/catalogue.yaml: \(a)."
            case .unknownMOE(let m): "No such MOE in menus/catalogue.yaml: \(m)."
            case .nameTaken(let n): "The MOE already has a crew called \(n)."
            case .numberTaken(let m, let crew): "\(m.masked) is already in crew \(crew): a number belongs to at most one crew."
            }
        }
    }

    /// A new crew, checked against the catalogue and the locales, added at once for a running gateway.
    public func add(name: String, moe: String, phones: [String], language: String?, services: [String] = [], areas: [String] = [],
                    actor: String) async throws -> Result<Crew, Problem> {
        guard let name = Crew.validName(name) else { return .failure(.badName) }
        guard engine.catalogue.moe(moe) != nil else { return .failure(.unknownMOE(moe)) }
        var numbers: [MSISDN] = []
        for p in phones.flatMap({ $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }) where !p.isEmpty {
            guard let m = MSISDN(p) else { return .failure(.badPhone(String(p.prefix(30)))) }
            if !numbers.contains(m) { numbers.append(m) }
        }
        guard !numbers.isEmpty, numbers.count <= 50 else { return .failure(.noPhones) }
        let language = language ?? engine.locales.fallback
        guard engine.locales.codes.contains(language) else { return .failure(.unknownLanguage(String(language.prefix(20)))) }
        for s in services where engine.catalogue.service(s) == nil { return .failure(.unknownService(String(s.prefix(40)))) }
        for a in areas where engine.catalogue.area(a) == nil { return .failure(.unknownArea(String(a.prefix(40)))) }
        let crew = Crew(id: 0, moe: moe, name: name, language: language, phones: numbers, services: services, areas: areas)
        switch try await roster.addCrew(crew, at: clock.now(), actor: actor) {
        case .added(let added): return .success(added)
        case .nameTaken: return .failure(.nameTaken(name))
        case .numberTaken(let m, let other): return .failure(.numberTaken(m, crew: other))
        }
    }

    public func crews(moe: String?) async throws -> [Crew] { try await roster.crews(moe: moe) }

    /// Removes the crew; its open jobs go back to the queue. nil: no such crew.
    public func remove(name: String, moe: String, actor: String) async throws -> [Reference]? {
        try await roster.removeCrew(named: name, moe: moe, actor: actor, at: clock.now())
    }

    /// The crews page: per crew, open jobs, the oldest, done today (the municipal day).
    public func board(moe: String?) async throws -> [CrewBoardRow] {
        try await roster.crewBoard(moe: moe, since: engine.settings.calendar.startOfDay(clock.now()))
    }

    /// Gives ticket `reference` to the crew `name` of its MOE, through the ticket rules: audited,
    /// the reporters told it is assigned (not to whom), and every member sent the job card.
    public func assign(_ reference: Reference, to name: String, scope: String?, actor: String, address: String?) async throws -> ActionOutcome {
        let at = clock.now()
        let levels = engine.serviceLevels
        let engine = self.engine
        return try await ledger.assigning(crew: name, to: reference, scope: scope, triageMOE: levels.triageMOE) { snapshot, crew in
            guard let crew else { return ([], .noSuchCrew(name)) }
            let action = TicketAction.assignCrew(id: crew.id, name: crew.name)
            switch snapshot.ticket.state.decide(action, now: at, levels: levels) {
            case .failure(let refusal): return ([], .refused(refusal.description))
            case .success(let changes):
                var work = TicketDesk.work(changes, snapshot, audit: TicketAudit(action: .ticket(action), detail: action.auditDetail, address: address),
                                           actor: actor, at: at, triageMOE: levels.triageMOE, notice: engine.noticeWording)
                let card = engine.jobCard(snapshot.ticket, crew: crew, reports: snapshot.reporters.count)
                work.messages += crew.phones.map { TicketMessage(ticketID: snapshot.ticket.id, sms: OutboundSMS(to: $0, body: card)) }
                return ([work], .done)
            }
        } ?? .notFound
    }
}

extension TicketDesk {
    /// A crew's report from the site, decided in the store's transaction by the ticket rules: on
    /// site and done tell every reporter in their language; cannot fix tells the supervisors.
    /// Refused (another crew's job, closed, already on site): nothing is written.
    public static func field(_ report: CrewFieldReport, _ snapshot: TicketSnapshot, at: Date) -> [TicketWork] {
        let action = TicketAction.field(report.report, crew: report.crew.id)
        guard case .success(let changes) = snapshot.ticket.state.decide(action) else { return [] }
        let notices = report.notices
        let wording: NoticeWording = { reference, _, language in FlowEngine.fill(notices, reference: reference, language: language) }
        return [work(changes, snapshot, audit: TicketAudit(action: .ticket(action), detail: action.auditDetail),
                     actor: "crew \(report.crew.name) \(report.member.masked) (\(report.channel))", at: at, triageMOE: report.triageMOE,
                     notice: wording)]
    }
}
