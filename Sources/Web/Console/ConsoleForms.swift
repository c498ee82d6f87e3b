import Channels
import Domain
import Foundation
import Gateway

/// Reads a ticket page's posted form into an action, or says what is missing in words a
/// dispatcher can act on.
enum ConsoleForms {
    enum Problem: Error, CustomStringConvertible {
        case unknownAction
        case missing(String)

        var description: String {
            switch self {
            case .unknownAction: "Unknown action."
            case .missing(let what): what
            }
        }
    }

    static func action(_ name: String, _ form: FormBody, catalogue: ServiceCatalogue) -> Result<TicketAction, Problem> {
        func text(_ field: String, max: Int) -> String? {
            let value = (form[field] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return value.isEmpty ? nil : String(value.prefix(max))
        }
        switch name {
        case "acknowledge":
            return .success(.acknowledge)
        case "assign":
            guard let assignee = text("assignee", max: 80) else { return .failure(.missing("Type the crew or person to assign it to.")) }
            return .success(.assign(to: assignee))
        case "status":
            guard let status = form["status"].flatMap(TicketStatus.init(rawValue:)), status != .new, status != .duplicate else {
                return .failure(.missing("Choose a status."))
            }
            var expected: Date?
            if let day = text("expected", max: 10) {
                guard let date = Open311Dates.parse(day) else { return .failure(.missing("The expected date must be a date like 2026-12-01.")) }
                expected = date
            }
            let message = text("message", max: 500)
            if form["visibility"] == "internal" {
                return .success(.status(status, publicUpdate: nil, internalNote: message, expectedAt: expected))
            }
            guard let message else {
                return .failure(.missing("Write the public update residents will get by SMS, or choose Internal note."))
            }
            return .success(.status(status, publicUpdate: message, internalNote: nil, expectedAt: expected))
        case "reroute":
            guard let queue = form["queue"], let moe = catalogue.moes.first(where: { $0.queues.contains(queue) }) else {
                return .failure(.missing("Choose the queue to send it to."))
            }
            guard let reason = text("reason", max: 500) else { return .failure(.missing("Say why it is not yours: the other MOE reads the reason.")) }
            return .success(.reroute(moe: moe.code, queue: queue, reason: reason))
        case "duplicate":
            guard let master = try? Reference(parsing: form["master"] ?? "") else {
                return .failure(.missing("Type the 9-digit reference of the original ticket."))
            }
            return .success(.duplicate(of: master))
        case "priority":
            guard let priority = form["priority"].flatMap(TicketPriority.init(rawValue:)) else { return .failure(.missing("Choose urgent or normal.")) }
            guard let reason = text("reason", max: 300) else { return .failure(.missing(TicketRefusal.priorityReasonMissing.description)) }
            return .success(.prioritise(priority, reason: reason))
        default:
            return .failure(.unknownAction)
        }
    }
}
