import Domain
import FlowEngine
import Foundation

/// The SMS an incident's update or closing sends, in every language.
public struct IncidentNews: Sendable {
    let engine: FlowEngine

    public init(engine: FlowEngine) { self.engine = engine }

    /// The broadcast for `incident` as it stands after the change.
    public func broadcast(_ incident: Incident, closing: Bool) -> IncidentBroadcast {
        bodies(incident, template: closing ? "sms.incident_closed" : "sms.incident_update")
    }

    /// The locale string `template` filled for `incident` in every language (an area alert's too):
    /// its service, areas, public text, start, and end (`restore`, `end`).
    func bodies(_ incident: Incident, template: String) -> IncidentBroadcast {
        let calendar = engine.settings.calendar
        var bodies: [String: String] = [:]
        let areas = Self.areas(incident.areas, engine.catalogue)
        for locale in engine.locales.ordered {
            let s = locale.strings
            let end = incident.expectedAt.map(calendar.moment) ?? s["incident.no_time"] ?? ""
            let values = [
                "service": s["service.\(incident.service)"] ?? incident.service, "areas": areas, "description": PublicText.scrub(incident.description),
                "restore": end, "end": end, "start": calendar.moment(incident.beginsAt),
            ]
            bodies[locale.code] = SMSMeasure.cheapest(Template.fill(s[template] ?? "", values))
        }
        return IncidentBroadcast(bodies: bodies, fallback: engine.locales.fallback)
    }

    /// An incident's areas for an SMS: a long list would crowd out the news, so three, then how many more.
    static func areas(_ codes: [String], _ catalogue: ServiceCatalogue) -> String {
        let names = codes.map { catalogue.area($0)?.name ?? $0 }
        return names.count <= 3 ? names.joined(separator: ", ") : names.prefix(3).joined(separator: ", ") + " +\(names.count - 3)"
    }
}
