import Domain
import Foundation
import Gateway
import Hummingbird
import NIOCore

extension ConsoleRoutes {
    /// The current filter as CSV, every page of it, for a spreadsheet. A cell that a spreadsheet
    /// would run as a formula is prefixed with `'`.
    func export(_ filters: QueueFilters, session: StaffSession, address: String) async throws -> Response {
        var query = filters.query(scope: scope(session))
        query.pageSize = 500
        query.page = 1
        let now = clock.now()
        let text = pages.text
        var csv = "reference,moe,queue,service,fault,area,address,description,status,channel,reported_at,due_at,overdue,assignee,expected_at,public_update\r\n"
        while true {
            let list = try await queue.worklist(query, now: now)
            for t in list.tickets {
                let cells: [String] = [
                    t.reference, t.moe, t.queue, t.service, t.fault, t.area, t.address, t.description, t.status.rawValue, t.channel,
                    Open311Dates.format(t.createdAt, in: text.timeZone), t.dueAt.map { Open311Dates.format($0, in: text.timeZone) } ?? "",
                    pages.isOverdue(t, now: now) ? "yes" : "no", t.assignee ?? "", t.expectedAt.map(text.day) ?? "", t.publicUpdate ?? "",
                ]
                csv += cells.map(Self.cell).joined(separator: ",") + "\r\n"
            }
            if list.tickets.count < query.pageSize || query.page * query.pageSize >= list.total { break }
            query.page += 1
        }
        try await auditLog.audit(actor: session.user.username, action: .csvExport, reference: nil,
                              detail: "\(csv.utf8.count) bytes, filters \(filters.address())", address: address, at: now)
        let name = "civicgate-\(scope(session) ?? "all")-\(text.format(now, "yyyyMMdd-HHmm")).csv"
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"",
                                               .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: csv)))
    }

    static func cell(_ value: String) -> String { CSVCell.safe(value) }
}
