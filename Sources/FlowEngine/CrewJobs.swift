import Domain

/// A crew's jobs on its phone: the list the `crew_jobs` action fills, kept in the session's
/// `jobs` slot (one job a line, its fields split by U+001F), and the reasons a job cannot be fixed.
extension FlowEngine {
    static let fieldSeparator: Character = "\u{1F}"

    /// "Burst pipe, Soweto": the fault (or the service) and the area, as far as they are known.
    public func jobLabel(service: String, fault: String?, area: String?, _ loc: LocaleStrings) -> String {
        let what = fault.flatMap { loc.strings["fault.\(service).\($0)"] } ?? loc.strings["service.\(service)"] ?? service
        let place = area.flatMap(catalogue.area)?.name
        return [what, place].compactMap { $0 }.joined(separator: ", ")
    }

    /// The `jobs` slot for these jobs, in the caller's language.
    func jobLines(_ jobs: [CrewJob], _ loc: LocaleStrings) -> String {
        jobs.map { job in
            let fields = [job.reference.digits, "\(job.reference.grouped) \(jobLabel(service: job.service, fault: job.fault, area: job.area, loc))",
                          job.address.map { String(PublicText.scrub($0).prefix(70)) } ?? "",
                          job.dueAt.map(settings.calendar.moment) ?? loc.strings["track.no_date"] ?? ""]
            return fields.map { $0.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: String(Self.fieldSeparator), with: " ") }
                .joined(separator: String(Self.fieldSeparator))
        }.joined(separator: "\n")
    }

    /// The items of the `jobs` slot: code the reference's digits, the address and due time kept for the job's screen.
    func jobItems(_ session: Session) -> [Item] {
        (session.slots["jobs"] ?? "").split(separator: "\n").compactMap { line in
            let f = line.split(separator: Self.fieldSeparator, omittingEmptySubsequences: false).map(String.init)
            guard f.count == 4 else { return nil }
            return Item(code: f[0], label: f[1], extra: ["job_label": f[1], "address": f[2], "due": f[3]])
        }
    }

    /// The reasons a crew can give, in the caller's language.
    func reasonItems(_ loc: LocaleStrings) -> [Item] {
        CannotFixReason.allCases.map { Item(code: $0.rawValue, label: loc.strings["crew.reason.\($0.rawValue)"] ?? $0.rawValue) }
    }

    /// The job in the `job` slot and the report an action makes of it.
    func fieldReport(_ action: FlowAction, _ slots: [String: String]) -> Effect? {
        guard let digits = slots["job"], let reference = try? Reference(parsing: digits) else { return nil }
        switch action {
        case .fieldOnSite: return .fieldReport(reference, .onSite)
        case .fieldDone:
            let note = slots["note"].flatMap { $0.isEmpty ? nil : $0 }
            return .fieldReport(reference, .done(note: note))
        case .fieldCannotFix:
            guard let reason = slots["reason"].flatMap(CannotFixReason.init(rawValue:)) else { return nil }
            return .fieldReport(reference, .cannotFix(reason: reason.note))
        default: return nil
        }
    }
}
