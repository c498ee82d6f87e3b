import Domain
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Store
import TestSupport

/// A person at the console, over `app.test`: keeps cookies like a browser, reads the CSRF token
/// from the page it last saw, follows nothing by itself (tests look at each redirect).
final class ConsoleBrowser: Sendable {
    struct Page: Sendable {
        var status: HTTPResponse.Status
        var body: String
        var location: String?
        var setCookies: [String]
        var contentType: String?
        var headers: HTTPFields = [:]
    }

    let client: any TestClientProtocol
    private let state = Mutex<(cookies: [String: String], csrf: String?)>(([:], nil))

    init(_ client: any TestClientProtocol) { self.client = client }

    var csrf: String? { state.withLock { $0.csrf } }
    var cookies: [String: String] { state.withLock { $0.cookies } }

    @discardableResult
    func get(_ uri: String) async throws -> Page {
        try await send(uri, .get, body: nil)
    }

    /// Posts a form; the page's CSRF token is added unless `csrf` says otherwise.
    @discardableResult
    func post(_ uri: String, _ fields: [(String, String)], csrf: String? = nil) async throws -> Page {
        let token = csrf ?? self.csrf ?? ""
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = ([("csrf", token)] + fields)
            .map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        return try await send(uri, .post, body: ByteBuffer(string: body))
    }

    /// Sends a file as a browser's upload form does (`multipart/form-data`), with the page's CSRF token.
    @discardableResult
    func upload(_ uri: String, file name: String, _ bytes: [UInt8], csrf: String? = nil) async throws -> Page {
        let boundary = "----civicgate\(UUID().uuidString)"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf ?? self.csrf ?? "")\r\n".utf8)
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: text/csv\r\n\r\n".utf8)
        body += bytes
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return try await send(uri, .post, body: ByteBuffer(bytes: body), contentType: "multipart/form-data; boundary=\(boundary)")
    }

    /// Opens the sign-in page and signs in.
    @discardableResult
    func signIn(_ username: String, _ password: String) async throws -> Page {
        try await get("/console/")
        return try await post("/console/sign-in", [("username", username), ("password", password)])
    }

    private func send(_ uri: String, _ method: HTTPRequest.Method, body: ByteBuffer?,
                      contentType: String = "application/x-www-form-urlencoded") async throws -> Page {
        var headers: HTTPFields = [:]
        if method == .post { headers[.contentType] = contentType }
        let cookie = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        if !cookie.isEmpty { headers[.cookie] = cookie }
        let r = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        let page = Page(status: r.status, body: String(buffer: r.body), location: r.headers[.location],
                        setCookies: r.headers[values: .setCookie], contentType: r.headers[.contentType], headers: r.headers)
        state.withLock { s in
            for line in page.setCookies {
                let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
                if value.isEmpty || line.contains("Max-Age=0") { s.cookies[name] = nil } else { s.cookies[name] = value }
            }
            if let range = page.body.range(of: #"name="csrf" value="([^"]+)""#, options: .regularExpression) {
                s.csrf = String(page.body[range].split(separator: "\"")[3])
            }
        }
        return page
    }
}

/// Tickets and staff for console tests.
extension TestGateway {
    static let password = "correct horse battery"

    func user(_ name: String, moe: String, role: StaffUser.Role = .dispatcher) async throws {
        _ = try await staff.addUser(username: name, password: Self.password, scope: .moe(moe), role: role, at: clock.now())
    }

    /// A report from an organisation, as Open311 or a CSV would make it.
    @discardableResult
    func report(_ service: String, _ fault: String, area: String = "soweto", address: String = "12 Vilakazi St",
                description: String = "", reporter: String? = "+27821234567", language: String = "en",
                by name: String = "Ward 12 committee") async throws -> Reference {
        var organisation = try await organisations.organisation(named: name)
        if organisation == nil { organisation = try await organisations.add(name: name, at: clock.now()).0 }
        let draft = TicketDraft(reference: references.next(), service: service, fault: fault, area: area, address: address,
                                description: description, channel: .open311, reporter: reporter.flatMap { MSISDN($0) }, language: language)
        let ticket = gateway.engine.newTicket(draft, at: clock.now(), confirm: true)
        let quota = DailyQuota(limit: .max, since: .distantPast)
        return try await organisations.store([OrganisationReport(externalID: nil, ticket: ticket)], for: organisation!, quota: quota, duplicates: gateway.engine.duplicateRules,
                                             redraw: { $0 }, summary: gateway.engine.createdSummary)[0]!.reference
    }

    /// The SMS queued for a number, oldest first.
    func sms(to number: String) async throws -> [String] {
        try await tickets.outbox(for: MSISDN(number)!).map(\.body)
    }
}
