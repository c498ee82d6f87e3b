import Domain
import Foundation
import Gateway

/// The filters of an organisation's report list, from the address; unknown values are ignored.
struct OrganisationReportFilters: Sendable {
    var query = OrganisationRequestFilter()

    init(_ parameters: [String: String], catalogue: ServiceCatalogue) {
        if let s = parameters["status"].flatMap(TicketStatus.init(rawValue:)) { query.status = s }
        if let s = parameters["service"], catalogue.service(s) != nil { query.service = s }
        if let a = parameters["area"], catalogue.area(a) != nil { query.area = a }
        query.upload = parameters["upload"].flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil }
        query.page = parameters["page"].flatMap { Int($0) }.map { min(max(1, $0), 10_000) } ?? 1
    }

    /// The list's address with these filters, at `page`.
    func address(page: Int? = nil, path: String = "/console/reports") -> String {
        var items: [URLQueryItem] = []
        if let s = query.status { items.append(.init(name: "status", value: s.rawValue)) }
        if let s = query.service { items.append(.init(name: "service", value: s)) }
        if let a = query.area { items.append(.init(name: "area", value: a)) }
        if let u = query.upload { items.append(.init(name: "upload", value: String(u))) }
        if let page, page > 1 { items.append(.init(name: "page", value: String(page))) }
        var components = URLComponents()
        components.path = path
        components.queryItems = items.isEmpty ? nil : items
        return components.string ?? path
    }
}

/// An organisation's reports as a spreadsheet: public fields only.
struct OrganisationReportsCSV {
    let text: ConsoleText

    func csv(_ rows: [OrganisationRequest]) -> String {
        var out = "reference,external_id,service,fault,area,address,status,channel,reported_at,updated_at,public_update,upload\r\n"
        let iso = ISO8601DateFormatter()
        for r in rows {
            out += [r.reference, r.externalID ?? "", r.service, r.fault, r.area, r.address, r.status.rawValue, r.channel, iso.string(from: r.createdAt),
                    iso.string(from: r.updatedAt), r.publicUpdate.map(PublicText.scrub) ?? "", r.upload.map(String.init) ?? ""].map(CSVCell.safe).joined(separator: ",") + "\r\n"
        }
        return out
    }
}

/// An upload's results as a spreadsheet: one line per row of the file, with its reference or its problems.
enum UploadResultsCSV {
    static func csv(_ rows: [RowResult]) -> String {
        var out = "row,external_id,result,reference,problems\r\n"
        for r in rows {
            let result = r.reference == nil ? "rejected" : r.duplicate == true ? "duplicate" : "accepted"
            var problems = (r.errors ?? []).map { "\($0.column): \($0.message)" }.joined(separator: "; ")
            if let twin = r.possible_duplicate_of.flatMap({ try? Reference(parsing: $0) }) {
                problems = "filed; possibly the same fault as \(twin.grouped), a dispatcher will decide"
            }
            out += [String(r.row), r.external_id ?? "", result, r.reference ?? "", problems].map(CSVCell.safe).joined(separator: ",") + "\r\n"
        }
        return out
    }
}

/// The file to start from: the bulk API's columns and an example row; and the codes of this
/// municipality's services (with fault types) and areas.
struct UploadTemplate {
    let catalogue: ServiceCatalogue
    let text: ConsoleText

    var template: String {
        let service = catalogue.services.first
        let code = service.map { s in s.faults.first.map { "\(s.code).\($0.code)" } ?? s.code } ?? ""
        let example = ["walk-001", code, catalogue.areas.first?.code ?? "", "12 Vilakazi St, near the clinic", "Describe what you saw", "0821234567"]
        return BulkReports.columns.joined(separator: ",") + "\r\n" + example.map(CSVCell.safe).joined(separator: ",") + "\r\n"
    }

    var codes: String {
        var out = "column,code,meaning\r\n"
        for s in catalogue.services {
            out += ["service_code", s.code, "\(text.service(s.code)) (any fault)"].map(CSVCell.safe).joined(separator: ",") + "\r\n"
            for f in s.faults {
                out += ["service_code", "\(s.code).\(f.code)", "\(text.service(s.code)): \(text.fault(s.code, f.code))"].map(CSVCell.safe)
                    .joined(separator: ",") + "\r\n"
            }
        }
        for a in catalogue.areas { out += ["area", a.code, a.name].map(CSVCell.safe).joined(separator: ",") + "\r\n" }
        return out
    }

    /// A file name as shown and stored: its last path component, printable, at most 100 characters.
    static func displayName(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.prefix(100))
        return clean.isEmpty ? "upload.csv" : clean
    }
}
