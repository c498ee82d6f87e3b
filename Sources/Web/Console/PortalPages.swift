import Domain
import Foundation
import Gateway

/// The pages of organisations' members: what the templates show. Pure, like the rest of `ConsolePages`.
extension ConsolePages {
    func organisationReports(_ rows: [OrganisationRequest], more: Bool, filters: OrganisationReportFilters, uploads: [Upload],
                             session: StaffSession, organisation: Organisation) -> String {
        let catalogue = text.engine.catalogue, q = filters.query
        var context: [String: Any] = [
            "organisation": organisation.name,
            "reports": rows.map { r -> [String: Any] in
                var row: [String: Any] = [
                    "reference": r.reference, "grouped": text.grouped(r.reference), "external": r.externalID ?? "",
                    "service": text.service(r.service), "fault": text.fault(r.service, r.fault), "area": text.area(r.area),
                    "status": r.status.rawValue, "statusLabel": text.status(r.status.rawValue), "reported": text.time(r.createdAt), "updated": text.time(r.updatedAt),
                ]
                if let u = r.publicUpdate { row["update"] = PublicText.scrub(u) }
                return row
            },
            "statusOptions": TicketStatus.allCases.map { ["value": $0.rawValue, "label": text.status($0.rawValue), "selected": $0 == q.status] as [String: Any] },
            "serviceOptions": catalogue.services.map { ["value": $0.code, "label": text.service($0.code), "selected": $0.code == q.service] as [String: Any] },
            "areaOptions": catalogue.areas.map { ["value": $0.code, "label": $0.name, "selected": $0.code == q.area] as [String: Any] },
            "uploadOptions": uploads.map { ["value": String($0.id), "label": "\($0.filename) (\(text.time($0.createdAt)))", "selected": $0.id == q.upload] as [String: Any] },
            "csv": filters.address(path: "/console/reports.csv"),
            "page": q.page,
        ]
        if q.page > 1 { context["previous"] = filters.address(page: q.page - 1) }
        if more { context["next"] = filters.address(page: q.page + 1) }
        return render("org-reports", title: "Our reports", session: session, context, organisation: organisation.name)
    }

    func organisationReport(_ r: OrganisationRequest, history: [SubjectData.Update], session: StaffSession, organisation: Organisation) -> String {
        var context: [String: Any] = [
            "grouped": text.grouped(r.reference), "external": r.externalID ?? "", "service": text.service(r.service),
            "fault": text.fault(r.service, r.fault), "area": text.area(r.area), "address": r.address, "statusLabel": text.status(r.status.rawValue),
            "reported": text.time(r.createdAt), "channel": text.channel(r.channel),
            "history": history.map { u -> [String: Any] in
                var e: [String: Any] = ["at": text.time(u.at)]
                if let s = u.status { e["status"] = text.status(s) }
                if let m = u.message { e["message"] = m }
                return e
            },
        ]
        if let u = r.upload { context["upload"] = u }
        return render("org-report", title: "Report \(text.grouped(r.reference))", session: session, context, organisation: organisation.name)
    }

    func uploads(_ uploads: [Upload], session: StaffSession, organisation: Organisation, error: String?) -> String {
        let catalogue = text.engine.catalogue
        var context: [String: Any] = [
            "csrf": session.csrf, "maxRows": UploadJob.maxRows,
            "uploads": uploads.map(uploadRow),
            "services": catalogue.services.map { s -> [String: Any] in
                ["code": s.code, "name": text.service(s.code),
                 "faults": s.faults.map { ["code": "\(s.code).\($0.code)", "name": text.fault(s.code, $0.code)] }]
            },
            "areas": catalogue.areas.map { ["code": $0.code, "name": $0.name] },
        ]
        if let error { context["error"] = error }
        return render("uploads", title: "Upload a file", session: session, context, organisation: organisation.name)
    }

    func uploadRow(_ u: Upload) -> [String: Any] {
        ["id": u.id, "filename": u.filename, "at": text.time(u.createdAt), "by": u.uploadedBy, "rows": u.totalRows,
         "state": u.status == .processing ? "processing" : u.status == .failed ? "could not be read" : "\(u.accepted) accepted, \(u.duplicates) duplicates, \(u.rejected) rejected"]
    }

    func upload(_ u: Upload, results: [RowResult], session: StaffSession, organisation: Organisation, now: Date) -> String {
        let rejected = results.filter { $0.reference == nil }
        let shown = 1_000
        var context: [String: Any] = uploadRow(u)
        context["processing"] = u.status == .processing && !u.isStalled(at: now)
        context["stalled"] = u.isStalled(at: now)
        context["done"] = u.status == .done
        context["failed"] = u.status == .failed
        context["problem"] = u.problem ?? ""
        context["progress"] = "\(u.doneRows) of \(u.totalRows) rows"
        context["percent"] = u.totalRows == 0 ? 0 : u.doneRows * 100 / u.totalRows
        context["accepted"] = u.accepted
        context["duplicates"] = u.duplicates
        context["rejectedCount"] = u.rejected
        context["rejected"] = rejected.prefix(shown).map { r -> [String: Any] in
            ["row": r.row, "external": r.external_id ?? "",
             "problems": (r.errors ?? []).map { ["column": Self.column($0.column), "message": Self.sentence($0.message)] }]
        }
        context["anyRejected"] = !rejected.isEmpty
        if rejected.count > shown { context["more"] = "The first \(shown) of \(rejected.count) rejected rows are shown; the download has them all." }
        context["reportsLink"] = "/console/reports?upload=\(u.id)"
        return render("upload", title: "Upload \(u.filename)", session: session, context, refresh: context["processing"] as? Bool == true ? 2 : nil,
                      organisation: organisation.name)
    }

    /// A column as people say it ("the whole row" for problems of the row itself).
    static func column(_ name: String) -> String { name == "row" ? "whole row" : name.replacingOccurrences(of: "_", with: " ") }

    /// A problem as a sentence: capital first letter, full stop.
    static func sentence(_ message: String) -> String { message.prefix(1).uppercased() + message.dropFirst() + (message.hasSuffix(".") ? "" : ".") }
}
