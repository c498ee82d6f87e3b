import Domain
import Yams

/// Reads `menus/catalogue.yaml`: MOEs and their queues, services and fault types, areas, routing.
struct CatalogueFile {
    var catalogue: ServiceCatalogue?

    init(_ file: YAMLFile) {
        guard let root = file.root else { return }
        var moes: [MOE] = []
        var owner: [String: String] = [:]  // queue -> MOE
        for (code, _, node) in file.pairs(root["moes"], "moes") {
            let queues = file.sequence(node["queues"], "moe '\(code)'").compactMap(\.string)
            if queues.isEmpty { file.report(node, "moe '\(code)'", "needs at least one queue") }
            for q in queues {
                if let other = owner[q] { file.report(node, "moe '\(code)'", "queue '\(q)' already belongs to '\(other)'") }
                owner[q] = code
            }
            moes.append(MOE(code: code, queues: queues, workingHours: file.workingHours(node["working_hours"], "moe '\(code)'")))
        }
        func destination(_ node: Node?, _ place: String) -> Destination? {
            guard let node, let queue = node["queue"]?.string ?? node.string else {
                file.report(node, place, "needs a 'queue'")
                return nil
            }
            guard let moe = owner[queue] else {
                file.report(node, place, "unknown queue '\(queue)'")
                return nil
            }
            return Destination(moe: moe, queue: queue)
        }
        var services: [ServiceCategory] = []
        for (code, _, node) in file.pairs(root["services"], "services") {
            let place = "service '\(code)'"
            guard let queue = destination(node, place) else { continue }
            if let moe = file.string(node, "moe", place, required: false), moe != queue.moe {
                file.report(node, place, "queue '\(queue.queue)' belongs to '\(queue.moe)', not '\(moe)'")
            }
            let faults = file.sequence(node["faults"], place).compactMap(\.string).map(FaultType.init)
            if faults.isEmpty { file.report(node, place, "needs fault types") }
            if Set(faults.map(\.code)).count != faults.count { file.report(node, place, "lists a fault type twice") }
            let level = file.serviceLevel(node, place, base: nil)
            var service = ServiceCategory(code: code, moe: queue.moe, defaultQueue: queue.queue, faults: faults, level: level,
                                          faultLevels: file.faultLevels(node["fault_levels"], place, faults: faults, base: level))
            if node["urgent"] != nil {
                for urgent in file.sequence(node["urgent"], "\(place) urgent").compactMap(\.string) {
                    if faults.contains(where: { $0.code == urgent }) { service.urgentFaults.insert(urgent) }
                    else { file.report(node["urgent"], "\(place) urgent", "unknown fault type '\(urgent)'") }
                }
            }
            file.duplicates(node, place, into: &service)
            services.append(service)
        }
        var areas: [Area] = []
        for (code, _, node) in file.pairs(root["areas"], "areas") {
            guard let name = node.string, !name.isEmpty else {
                file.report(node, "area '\(code)'", "needs a name")
                continue
            }
            areas.append(Area(code: code, name: name))
        }
        var rules: [RoutingRule] = []
        for (i, node) in file.sequence(root["routing"], "routing").enumerated() {
            let place = "routing rule \(i + 1)"
            guard let service = file.string(node, "service", place), let to = destination(node, place) else { continue }
            let area = file.string(node, "area", place, required: false)
            if !services.contains(where: { $0.code == service }) { file.report(node, place, "unknown service '\(service)'") }
            if let area, !areas.contains(where: { $0.code == area }) { file.report(node, place, "unknown area '\(area)'") }
            rules.append(RoutingRule(service: service, area: area, destination: to))
        }
        // Every service routes somewhere by default.
        for service in services where !rules.contains(where: { $0.service == service.code && $0.area == nil }) {
            rules.append(RoutingRule(service: service.code, area: nil, destination: Destination(moe: service.moe, queue: service.defaultQueue)))
        }
        guard let triage = destination(root["triage"], "triage") else { return }
        if services.isEmpty { file.report(root, "services", "no services") }
        if areas.isEmpty { file.report(root, "areas", "no areas") }
        catalogue = ServiceCatalogue(moes: moes, services: services, areas: areas, routing: RoutingTable(rules: rules, triage: triage),
                                     holidays: file.publicHolidays(root["public_holidays"]))
    }
}
