import Domain
import Foundation
import Yams

/// Reads `menus/retention.yaml` (optional): `retention:` with days per data class.
extension YAMLFile {
    func retention() -> RetentionPolicy {
        guard let root else { return RetentionPolicy() }
        guard let section = root["retention"] else {
            report(root, "retention.yaml", "missing 'retention' (days per data class)")
            return RetentionPolicy()
        }
        var days: [RetentionPolicy.DataClass: Int] = [:]
        for (key, keyNode, value) in pairs(section, "retention") {
            guard let dataClass = RetentionPolicy.DataClass(rawValue: key) else {
                report(keyNode, "retention", "unknown data class '\(key)' (known: \(RetentionPolicy.DataClass.allCases.map(\.rawValue).joined(separator: ", ")))")
                continue
            }
            let least = RetentionPolicy.minimum[dataClass] ?? 1
            guard let n = value.int, n >= least, n <= 36_500 else {
                report(value, "retention \(key)", "must be a whole number of days from \(least) to 36500")
                continue
            }
            days[dataClass] = n
        }
        return RetentionPolicy(days: days)
    }
}
