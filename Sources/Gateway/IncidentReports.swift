import Domain
import FlowEngine
import Foundation

/// Reports made during an incident: whether a report is about a known one, and which area a
/// one-line SMS report names.
enum IncidentReports {
    /// The engine's `find_incident` answered from the open incidents of the service.
    static func answer(service: String, fault: String?, area: String, at now: Date, _ reads: any ConversationReads) throws -> QueryAnswer {
        // A one-line SMS report does not say which fault: any fault of the service.
        let fault = fault == "unspecified" ? nil : fault
        return .incident(Incident.about(service: service, fault: fault, area: area, at: now, among: try reads.openIncidents(service: service)).map(IncidentNotice.init))
    }

    /// The area of an open incident of `service` that a one-line SMS report names ("REPORT
    /// ELECTRICITY no power in Soweto"), as a whole word or words, in any case.
    static func namedArea(in text: String, service: String, catalogue: ServiceCatalogue, at now: Date, _ reads: any ConversationReads) throws -> String? {
        let open = try reads.openIncidents(service: service).filter { $0.beginsAt <= now }
        guard !open.isEmpty else { return nil }
        let words = " " + fold(text) + " "
        let areas = Set(open.flatMap(\.areas))
        // The longest name first: "Soweto North" before "Soweto".
        let named = catalogue.areas.filter { areas.contains($0.code) }.sorted { $0.name.count > $1.name.count }
        return named.first { words.contains(" " + fold($0.name) + " ") }?.code
    }

    /// Letters and digits in upper case, everything else one space.
    static func fold(_ text: String) -> String {
        text.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : " " }.joined()
            .split(separator: " ").joined(separator: " ")
    }
}
