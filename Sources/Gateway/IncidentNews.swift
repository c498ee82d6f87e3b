import Domain
import FlowEngine
import Foundation

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
