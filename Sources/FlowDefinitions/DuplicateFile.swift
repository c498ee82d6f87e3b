import Domain
import Yams

/// A service's likely-duplicate settings in `menus/catalogue.yaml`:
/// `duplicates: { burst_pipe: { days: 2, metres: 50 }, pothole: { days: 14 } }` (how recent and
/// how near a report of that fault type must be to an open ticket) and `related: { burst_pipe:
/// [no_water, leak] }` (fault types residents report for the same fault).
extension YAMLFile {
    func duplicates(_ node: Node, _ place: String, into service: inout ServiceCategory) {
        let known = Set(service.faults.map(\.code))
        let where_ = "\(place) duplicates"
        for (fault, key, value) in pairs(node["duplicates"], where_) {
            guard known.contains(fault) || fault == "default" else {
                report(key, where_, "'\(fault)' is not one of the service's fault types (or 'default')")
                continue
            }
            if let days = value["days"] {
                if let d = days.float ?? days.int.map(Double.init), d > 0, d <= 60 { service.duplicateDays[fault] = d }
                else { report(days, "\(where_) '\(fault)'", "days must be a number above 0 and at most 60") }
            }
            if let metres = value["metres"] {
                if let m = metres.int, (1...2000).contains(m) { service.duplicateMetres[fault] = Double(m) }
                else { report(metres, "\(where_) '\(fault)'", "metres must be a whole number from 1 to 2000") }
            }
        }
        for (fault, key, value) in pairs(node["related"], "\(place) related") {
            let others = sequence(value, "\(place) related '\(fault)'").compactMap(\.string)
            for f in [fault] + others where !known.contains(f) {
                report(f == fault ? key : value, "\(place) related", "'\(f)' is not one of the service's fault types")
            }
            service.relatedFaults[fault] = Set(others.filter(known.contains))
        }
    }
}
