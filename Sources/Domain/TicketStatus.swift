/// Where a ticket is in its life. The raw values are stored and are the locale key suffixes.
public enum TicketStatus: String, Sendable, Codable, CaseIterable {
    case new
    case acknowledged
    case assigned
    case inProgress = "in_progress"
    case scheduled
    case resolved
    case closed
    case rejected
    case duplicate

    /// Open311's two-value view.
    public var isOpen: Bool {
        switch self {
        case .resolved, .closed, .rejected, .duplicate: false
        default: true
        }
    }
}

/// How a report reached us.
public enum ReportChannel: String, Sendable, Codable {
    case ussd, sms, bulk, open311, console
}

/// How soon a ticket needs a crew. A fault type in the catalogue may be urgent (a fallen cable,
/// a sewage overflow); a dispatcher may raise or lower any open ticket.
public enum TicketPriority: String, Sendable, Codable, CaseIterable, Comparable {
    case normal, urgent

    /// Urgent sorts first.
    public static func < (a: TicketPriority, b: TicketPriority) -> Bool { a == .urgent && b == .normal }
}
