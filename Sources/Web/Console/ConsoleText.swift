import Domain
import FlowEngine
import Foundation
import Gateway

/// How the console words things: names from the English locale and catalogue, dates in the
/// municipality's time zone, ages as a dispatcher reads them.
struct ConsoleText: Sendable {
    let engine: FlowEngine
    let timeZone: TimeZone

    var strings: [String: String] { engine.locales.locale("en").strings }

    func moe(_ code: String) -> String { strings["moe.\(code)"] ?? code }
    func service(_ code: String) -> String { strings["service.\(code)"] ?? code }
    func fault(_ service: String, _ code: String) -> String { strings["fault.\(service).\(code)"] ?? code }
    func area(_ code: String) -> String { engine.catalogue.area(code)?.name ?? code }
    func status(_ raw: String) -> String { strings["status.\(raw)"] ?? raw }
    func channel(_ raw: String) -> String {
        switch raw {
        case "ussd": "USSD"
        case "sms": "SMS"
        case "open311": "Open311"
        default: raw.prefix(1).uppercased() + raw.dropFirst()
        }
    }

    func grouped(_ digits: String) -> String { (try? Reference(parsing: digits))?.grouped ?? digits }

    /// `27 Nov 2026 14:05`.
    func time(_ date: Date) -> String { format(date, "d MMM yyyy HH:mm") }
    /// `27 Nov 2026`.
    func day(_ date: Date) -> String { format(date, "d MMM yyyy") }

    func format(_ date: Date, _ pattern: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_ZA_POSIX")
        f.timeZone = timeZone
        f.dateFormat = pattern
        return f.string(from: date)
    }

    /// `40 min`, `5 h`, `3 d`.
    func age(_ seconds: TimeInterval) -> String {
        let minutes = max(0, Int(seconds / 60))
        if minutes < 60 { return "\(minutes) min" }
        if minutes < 48 * 60 { return "\(minutes / 60) h" }
        return "\(minutes / 1440) d"
    }

    /// What a history entry says happened.
    func event(_ e: TicketEvent) -> String {
        switch e.kind {
        case .created: "Reported"
        case .assigned: "Assigned"
        case .rerouted: "Re-routed"
        case .duplicate: "Marked duplicate"
        case .merged: "Duplicate merged in"
        case .priority: "Priority changed"
        case .escalated: "Escalated"
        case .chased: "Reporter says it is late"
        case .reopened: "Reopened by the reporter"
        case .residentUpdate: "Resident wrote"
        case .onSite: "Crew on site"
        case .cannotFix: "Crew could not fix it"
        case .crewReleased: "Crew removed"
        case .reporterAdded: "Another resident reported it"
        case .possibleDuplicate: "Possible duplicate"
        default: e.toStatus.map { "Status: \(status($0.rawValue))" } ?? e.kind.rawValue
        }
    }

    /// The statuses a dispatcher can set from the status form.
    static let settable: [TicketStatus] = [.acknowledged, .assigned, .inProgress, .scheduled, .resolved, .closed, .rejected]
}
