import Domain
import FlowEngine
import Foundation

/// Reports made during an incident: whether a report is about a known one, and the news that
/// goes to everyone it reaches.
enum IncidentReports {
    /// The engine's `find_incident` answered from the open incidents of the service.
    static func answer(service: String, fault: String?, area: String, _ reads: any ConversationReads) throws -> QueryAnswer {
        // A one-line SMS report does not say which fault: any fault of the service.
        let fault = fault == "unspecified" ? nil : fault
        return .incident(Incident.about(service: service, fault: fault, area: area, among: try reads.openIncidents(service: service)).map(IncidentNotice.init))
    }

    /// The area of an open incident of `service` that a one-line SMS report names ("REPORT
    /// ELECTRICITY no power in Soweto"), as a whole word or words, in any case.
    static func namedArea(in text: String, service: String, catalogue: ServiceCatalogue, _ reads: any ConversationReads) throws -> String? {
        let open = try reads.openIncidents(service: service)
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

/// The SMS an incident's update or closing sends, in every language.
public struct IncidentNews: Sendable {
    let engine: FlowEngine

    public init(engine: FlowEngine) { self.engine = engine }

    /// The broadcast for `incident` as it stands after the change.
    public func broadcast(_ incident: Incident, closing: Bool) -> IncidentBroadcast {
        var bodies: [String: String] = [:]
        let names = incident.areas.map { engine.catalogue.area($0)?.name ?? $0 }
        // A long list of areas would crowd out the news: three, then how many more.
        let areas = names.count <= 3 ? names.joined(separator: ", ") : names.prefix(3).joined(separator: ", ") + " +\(names.count - 3)"
        for locale in engine.locales.ordered {
            let s = locale.strings
            let values = [
                "service": s["service.\(incident.service)"] ?? incident.service,
                "areas": areas,
                "description": PublicText.scrub(incident.description),
                "restore": incident.expectedAt.map(engine.settings.calendar.moment) ?? s["incident.no_time"] ?? "",
            ]
            let text = Template.fill(s[closing ? "sms.incident_closed" : "sms.incident_update"] ?? "", values)
            bodies[locale.code] = SMSMeasure.cheapest(text)
        }
        return IncidentBroadcast(bodies: bodies, fallback: engine.locales.fallback)
    }
}
