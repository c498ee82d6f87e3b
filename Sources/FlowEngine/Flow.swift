/// The name of a state in a flow.
public typealias StateID = String
/// A key into a locale's strings.
public typealias TextKey = String

/// A flow: states joined by transitions, as read from `menus/`.
public struct Flow: Sendable, Equatable {
    public var name: String
    /// Where a caller who already has a language starts (the main menu).
    public var start: StateID
    /// Where a first-time caller starts: the language choice.
    public var languageChoice: StateID
    /// Where a caller with an unfinished report starts: "1 Continue 2 Start again".
    public var resumeOffer: StateID
    public var states: [StateID: FlowState]
    /// SMS keywords by name (`report`, `status`...): the state each starts at. Their words, in
    /// every language, are the locale strings `keyword.<name>`.
    public var keywords: [String: StateID]
    /// SMS keywords the host handles itself (`stop`, `start`, `lang`): subscription, not flow.
    public var commands: [String]
    /// USSD codes that open somewhere other than the main menu (a water-only shortcode).
    public var entries: [String: Entry]
    /// Where a crew member's call starts ("My jobs"); nil: crews see the residents' menu.
    public var crewStart: StateID?

    /// Where a USSD code opens, with answers it implies (`service: water`).
    public struct Entry: Sendable, Equatable {
        public var state: StateID
        public var slots: [String: String]
        public init(state: StateID, slots: [String: String] = [:]) {
            self.state = state
            self.slots = slots
        }
    }

    public init(name: String, start: StateID, languageChoice: StateID, resumeOffer: StateID, states: [StateID: FlowState],
                keywords: [String: StateID] = [:], commands: [String] = [], entries: [String: Entry] = [:], crewStart: StateID? = nil) {
        self.crewStart = crewStart
        self.name = name
        self.entries = entries
        self.keywords = keywords
        self.commands = commands
        self.start = start
        self.languageChoice = languageChoice
        self.resumeOffer = resumeOffer
        self.states = states
    }
}

public struct FlowState: Sendable, Equatable {
    public var id: StateID
    public var kind: Kind
    /// True for the states of a report: a session dropped here can be resumed on redial.
    public var resumable: Bool
    /// For a ticket lookup: where to go instead of `next` when the host offers the caller more.
    public var offers: [TrackOffer: StateID]

    public init(id: StateID, kind: Kind, resumable: Bool = false, offers: [TrackOffer: StateID] = [:]) {
        self.id = id
        self.kind = kind
        self.resumable = resumable
        self.offers = offers
    }

    public enum Kind: Sendable, Equatable {
        /// Numbered options, each leading to a state.
        case menu(prompt: TextKey, options: [MenuOption])
        /// A list built from data, paged to fit the screen; the choice's code goes into `slot`.
        case list(prompt: TextKey, source: ListSource, slot: String, next: StateID)
        /// Free text or a reference, validated; invalid input re-asks with `hint`.
        case input(prompt: TextKey, rule: InputRule, hint: TextKey, slot: String, next: StateID)
        /// No screen: performs an action and moves on (to `otherwise` when it finds nothing).
        case action(FlowAction, next: StateID, otherwise: StateID?)
        /// A closing screen.
        case end(text: TextKey)
    }

    /// The states this one can lead to.
    public var targets: [StateID] {
        switch kind {
        case .menu(_, let options): options.map(\.next)
        case .list(_, _, _, let next), .input(_, _, _, _, let next): [next]
        case .action(_, let next, let otherwise): [next] + (otherwise.map { [$0] } ?? []) + TrackOffer.allCases.compactMap { offers[$0] }
        case .end: []
        }
    }
}

public struct MenuOption: Sendable, Equatable {
    public var key: String
    public var label: TextKey
    public var next: StateID
    public init(key: String, label: TextKey, next: StateID) {
        self.key = key
        self.label = label
        self.next = next
    }
}

/// Where a list's items come from.
public enum ListSource: String, Sendable, Equatable, CaseIterable {
    case languages, services, faults, areas
    /// A crew's open jobs, as the `crew_jobs` action found them (choosing one fills `job`, `address` and `due`).
    case jobs
    /// Why a crew cannot fix a job (`CannotFixReason`, labels `crew.reason.<code>`).
    case reasons
    /// The open tickets a report likely repeats, as `find_duplicate` found them ("Add me to …"),
    /// then "It is a different fault" (code `new`); choosing one also fills `join_reference`.
    case duplicates

    /// Built from the session's answers, not from the catalogue: never cached.
    public var isDynamic: Bool { self == .jobs || self == .duplicates }
}

public enum InputRule: Sendable, Equatable {
    case text(minLength: Int, maxLength: Int)
    case reference
    /// A survey answer: 1-5 (5 best), or 6 for "not fixed" (kept as 0, as the SMS survey has it;
    /// 0 itself means Back on USSD).
    case rating
}

public enum FlowAction: String, Sendable, Equatable, CaseIterable {
    /// Sets the caller's language from the `language` slot.
    case setLanguage = "set_language"
    /// Creates a ticket from the report slots; puts its reference in the `reference` slot.
    case createTicket = "create_ticket"
    /// Looks up the ticket in the `reference` slot; `otherwise` when there is none.
    case lookupTicket = "lookup_ticket"
    /// Lists the caller's recent tickets; `otherwise` when there are none.
    case recentTickets = "recent_tickets"
    /// Restores the unfinished report that was offered.
    case resumeReport = "resume_report"
    /// Says the ticket in the `reference` slot is late (a reporter, past its target).
    case chaseTicket = "chase_ticket"
    /// Answers that ticket's survey with the `rating` slot; `otherwise` when it is 0 (not fixed).
    case rateTicket = "rate_ticket"
    /// Finds the open incident the report in the `service`, `fault` and `area` slots is about: its
    /// id goes in `incident`, its expected restoration in `restore`; `otherwise` when there is none.
    case findIncident = "find_incident"
    /// Attaches the caller to the incident in the `incident` slot: told by SMS when it is fixed.
    case attachIncident = "attach_incident"
    /// Asks for SMS alerts of planned works and faults in the area of the `area` slot.
    case subscribeAlerts = "subscribe_alerts"
    /// Finds the open tickets the report in the `service`, `fault`, `area` and `address` slots likely
    /// repeats (at most two, the closest first) into `duplicates` (and what they are into `what`);
    /// `otherwise` when there are none.
    case findDuplicate = "find_duplicate"
    /// Makes the caller a reporter of the ticket chosen in the `join` slot (no new ticket);
    /// `otherwise` when they chose "It is a different fault".
    case joinTicket = "join_ticket"
    /// Lists the calling crew's open jobs into `jobs` (and its name into `crew`); `otherwise` when there are none.
    case crewJobs = "crew_jobs"
    /// The crew is on site at the job in the `job` slot.
    case fieldOnSite = "field_on_site"
    /// The job in the `job` slot is fixed, with the `note` slot if given.
    case fieldDone = "field_done"
    /// The job in the `job` slot cannot be fixed, for the `reason` slot.
    case fieldCannotFix = "field_cannot_fix"
}
