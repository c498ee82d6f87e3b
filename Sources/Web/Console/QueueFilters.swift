import Domain
import Foundation
import Gateway

/// The queue page's filters as they travel in its address (`?status=open&service=water&page=2`).
struct QueueFilters: Equatable {
    /// `open`, `all` or a status.
    var status = "open"
    var service: String?
    var area: String?
    var overdue = false
    /// Only tickets escalated past a target (the supervisors' view).
    var escalated = false
    /// Only the tickets linked to this incident (the incident page's "show in the queue").
    var incident: Int64?
    /// Only possible duplicates waiting on a dispatcher (filed by organisations and Open311).
    var possible = false
    var sort: WorklistQuery.Sort = .oldest
    var page = 1
    /// Tickets on one queue page.
    static let pageSize = 50

    /// Reads the address, ignoring what it does not know: a hand-edited address shows the default view.
    init(_ parameters: [String: String], catalogue: ServiceCatalogue) {
        if let s = parameters["status"], s == "all" || TicketStatus(rawValue: s) != nil { status = s }
        service = parameters["service"].flatMap { catalogue.service($0) == nil ? nil : $0 }
        area = parameters["area"].flatMap { catalogue.area($0) == nil ? nil : $0 }
        overdue = parameters["overdue"] == "1"
        escalated = parameters["escalated"] == "1"
        possible = parameters["possible"] == "1"
        incident = parameters["incident"].flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil }
        sort = parameters["sort"].flatMap(WorklistQuery.Sort.init(rawValue:)) ?? .oldest
        page = parameters["page"].flatMap(Int.init).map { min(max($0, 1), 100_000) } ?? 1
    }

    init() {}

    func query(scope: String?) -> WorklistQuery {
        var q = WorklistQuery(scope: scope)
        switch status {
        case "open": q.statuses = nil
        case "all": q.statuses = TicketStatus.allCases
        default: q.statuses = TicketStatus(rawValue: status).map { [$0] }
        }
        q.service = service
        q.area = area
        q.overdue = overdue
        q.escalated = escalated
        q.possibleDuplicates = possible
        q.incident = incident
        q.sort = sort
        q.page = page
        q.pageSize = Self.pageSize
        return q
    }

    /// `?status=...` (empty for the default view).
    func address(page: Int? = nil, status: String? = nil) -> String {
        var items: [(String, String)] = []
        let status = status ?? self.status
        if status != "open" { items.append(("status", status)) }
        if let service { items.append(("service", service)) }
        if let area { items.append(("area", area)) }
        if overdue { items.append(("overdue", "1")) }
        if escalated { items.append(("escalated", "1")) }
        if possible { items.append(("possible", "1")) }
        if let incident { items.append(("incident", String(incident))) }
        if sort != .oldest { items.append(("sort", sort.rawValue)) }
        let page = page ?? self.page
        if page > 1 { items.append(("page", String(page))) }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let text = items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        return text.isEmpty ? "" : "?" + text
    }
}
