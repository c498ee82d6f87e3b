import Domain
import Foundation
import Gateway

/// The dashboard's filters as they travel in its address (`?service=water&from=2026-10-01&to=2026-12-31`).
struct DashboardFilters: Equatable {
    /// nil: every MOE (administrators only); otherwise always the user's own for other roles.
    var moe: String?
    var service: String?
    var area: String?
    var from: Date
    var to: Date

    /// Reads the address, keeping only what the user may see; the default is the last 30 days.
    init(_ parameters: [String: String], catalogue: ServiceCatalogue, calendar: MunicipalCalendar, now: Date, session: StaffSession) {
        moe = session.user.role == .admin ? parameters["moe"].flatMap { catalogue.moe($0) == nil ? nil : $0 } : session.user.moe
        service = parameters["service"].flatMap { catalogue.service($0) == nil ? nil : $0 }
        area = parameters["area"].flatMap { catalogue.area($0) == nil ? nil : $0 }
        let today = calendar.startOfDay(now)
        var last = parameters["to"].flatMap { calendar.date(ofDay: $0) } ?? today
        var first = parameters["from"].flatMap { calendar.date(ofDay: $0) } ?? Date(timeInterval: -29 * 86400, since: last)
        if first > last { (first, last) = (last, first) }
        if last.timeIntervalSince(first) > 366 * 86400 { first = last.addingTimeInterval(-366 * 86400) }
        from = calendar.startOfDay(first)
        to = calendar.startOfNextDay(last)
    }

    /// `?from=...&to=...` with the other filters set (codes from the catalogue and dates only).
    func address(_ calendar: MunicipalCalendar) -> String {
        let items = [("moe", moe), ("service", service), ("area", area), ("from", calendar.day(from)), ("to", calendar.day(to.addingTimeInterval(-1)))]
        return "?" + items.compactMap { key, value in value.map { "\(key)=\($0)" } }.joined(separator: "&")
    }
}

extension ConsolePages {
    func dashboard(_ f: DashboardFigures, filters: DashboardFilters, session: StaffSession, catalogue: ServiceCatalogue,
                   calendar: MunicipalCalendar, csv: String, incidents: [Incident] = [], incidentFigures: IncidentFigures = IncidentFigures([]),
                   fieldFigures: FieldFigures = FieldFigures([])) -> String {
        func number(_ x: Double?, _ suffix: String = "") -> String { x.map { String(format: "%.1f", $0) + suffix } ?? "–" }
        func row(_ name: String, _ i: Indicators) -> [String: Any] {
            ["name": name, "received": i.received, "acknowledged": i.acknowledged, "resolved": i.resolved, "reopened": i.reopened, "added": i.reportsAdded,
             "ack": number(i.medianHoursToAcknowledge), "res": number(i.medianHoursToResolve), "p90": number(i.p90HoursToResolve),
             "ackPct": number(i.acknowledgedWithinTargetPct, " %"), "resPct": number(i.resolvedWithinTargetPct, " %"),
             "satisfaction": number(i.satisfactionMean), "responses": i.satisfactionResponses]
        }
        // Open tickets by age: 60 px a bucket, 140 px for the largest.
        let ages = f.ages
        let largest = max(1, ages.max() ?? 0)
        let ageBars = ages.enumerated().map { i, n -> [String: Any] in
            let h = Double(n) * 140 / Double(largest)
            return ["x": 10 + i * 70, "y": String(format: "%.1f", 150 - h), "height": String(format: "%.1f", h), "textX": 10 + i * 70,
                    "label": OpenAges.labels[i], "n": n]
        }
        // Tickets received per day, stacked by channel: 12 px a day, 160 px for the busiest day.
        let busiest = max(1, f.days.map { $0.byChannel.values.reduce(0, +) }.max() ?? 0)
        let bars = f.days.enumerated().map { i, d -> [String: Any] in
            var y = 180.0
            let segments = DashboardFigures.channels.compactMap { channel -> [String: Any]? in
                guard let n = d.byChannel[channel], n > 0 else { return nil }
                let h = Double(n) * 160 / Double(busiest)
                y -= h
                return ["x": 40 + i * 12, "y": String(format: "%.1f", y), "height": String(format: "%.1f", h), "channel": channel,
                        "label": "\(d.day) \(text.channel(channel)): \(n)"]
            }
            return ["segments": segments]
        }
        // The open backlog at the end of each day: a line, 12 px a day, 160 px for the highest.
        let backlogDays = f.days.enumerated().compactMap { i, d in d.backlog.map { (i, d.day, $0) } }
        let highest = max(1, backlogDays.map(\.2).max() ?? 0)
        let points = backlogDays.map { i, _, n in String(format: "%d,%.1f", 44 + i * 12, 180 - Double(n) * 160 / Double(highest)) }
        let services = f.byService.enumerated().map { i, s -> [String: Any] in
            let pct = s.indicators.resolvedWithinTargetPct ?? 0
            // The table row, and where its bar goes in the chart.
            return row(text.service(s.service), s.indicators).merging([
                "y": 10 + i * 26, "textY": 27 + i * 26, "width": String(format: "%.1f", pct * 3), "labelX": String(format: "%.1f", 146 + pct * 3),
                "pct": number(s.indicators.resolvedWithinTargetPct, " %"),
            ]) { _, chart in chart }
        }
        let t = f.total
        let context: [String: Any] = [
            "ages": ageBars, "openTotal": ages.reduce(0, +),
            "backlogPoints": points.joined(separator: " "), "highest": highest,
            "backlog": backlogDays.reversed().map { ["day": $0.1, "n": $0.2] as [String: Any] },
            "showMOEs": filters.moe == nil && !f.byMOE.isEmpty, "moes": f.byMOE.map { row(text.moe($0.key), $0.indicators) },
            "areas": f.byArea.map { row(text.area($0.key), $0.indicators) },
            "scope": filters.moe.map(text.moe) ?? "All MOEs",
            "from": calendar.day(filters.from), "to": calendar.day(filters.to.addingTimeInterval(-1)),
            "admin": session.user.role == .admin,
            "moeOptions": catalogue.moes.map { ["value": $0.code, "label": text.moe($0.code), "selected": $0.code == filters.moe] as [String: Any] },
            "serviceOptions": catalogue.services.map { ["value": $0.code, "label": text.service($0.code), "selected": $0.code == filters.service] as [String: Any] },
            "areaOptions": catalogue.areas.map { ["value": $0.code, "label": $0.name, "selected": $0.code == filters.area] as [String: Any] },
            "chartWidth": 60 + f.days.count * 12, "busiest": busiest, "bars": bars,
            "channels": DashboardFigures.channels.map { ["code": $0, "label": text.channel($0)] },
            "days": f.days.reversed().map { d -> [String: Any] in
                ["day": d.day, "counts": DashboardFigures.channels.map { ["n": d.byChannel[$0] ?? 0] }, "total": d.byChannel.values.reduce(0, +)]
            },
            "serviceChartHeight": 20 + f.byService.count * 26, "services": services,
            "total": row("All services", t),
            "csv": csv,
            "incidentFigures": [
                "declared": incidentFigures.declared, "open": incidentFigures.stillOpen, "residents": incidentFigures.attachedResidents,
                "linked": incidentFigures.linkedTickets, "median": number(incidentFigures.medianHoursToRestore),
                "longest": number(incidentFigures.longestHoursToRestore),
            ] as [String: Any],
            "fieldFigures": [
                "assigned": fieldFigures.assigned, "fixed": fieldFigures.fixed, "toSite": number(fieldFigures.medianHoursToSite),
                "siteToFixed": number(fieldFigures.medianHoursSiteToFixed), "firstVisit": number(fieldFigures.fixedFirstVisitPct),
            ] as [String: Any],
        ]
        return render("dashboard", title: "Dashboard", session: session, context.merging(incidentsContext(incidents, showMOE: filters.moe == nil)) { $1 })
    }
}
