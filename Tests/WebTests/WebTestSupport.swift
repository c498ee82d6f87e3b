import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TestSupport
import Web

/// `application/x-www-form-urlencoded`, as an aggregator sends it.
func form(_ fields: KeyValuePairs<String, String>) -> ByteBuffer {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
    return ByteBuffer(string: body)
}

let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

func makeApp(_ world: TestGateway, security: WebSecurity = WebSecurity()) -> some ApplicationProtocol {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    var configuration = WebConfiguration(port: 0, security: security)
    // Live tests pipeline hundreds of requests on one connection; on a loaded CI machine the server
    // may take longer than its 30 s idle read timeout to work through them and would drop the
    // connection. ConnectionLimitTests checks the idle timeout itself.
    configuration.idleTimeout = .seconds(300)
    return WebApp.application(world.web, configuration: configuration, logger: logger)
}

/// What came back from the webhook.
struct WebhookReply: Sendable {
    var status: HTTPResponse.Status
    var contentType: String?
    var body: String
}

/// An Africa's Talking USSD session over HTTP, in memory (`app.test`) or against a live server.
struct ATSession {
    let transport: @Sendable (ByteBuffer) async throws -> WebhookReply
    let sessionID: String
    let phone: String
    var history: [String] = []

    init(_ client: any TestClientProtocol, sessionID: String, phone: String = "+27821234567") {
        transport = { body in
            let r = try await client.execute(uri: "/ussd/africastalking", method: .post, headers: formHeaders, body: body)
            return WebhookReply(status: r.status, contentType: r.headers[.contentType], body: String(buffer: r.body))
        }
        self.sessionID = sessionID
        self.phone = phone
    }

    init(live client: TestClient, sessionID: String, phone: String) {
        transport = { body in
            let r = try await client.post("/ussd/africastalking", headers: formHeaders, body: body)
            return WebhookReply(status: r.status, contentType: r.headers[.contentType], body: r.body.map { String(buffer: $0) } ?? "")
        }
        self.sessionID = sessionID
        self.phone = phone
    }

    /// Against a live server, each hop on a connection of its own that the server closes after
    /// its reply: nothing is left to idle out while a machine busy with other tests keeps this one
    /// waiting between hops.
    init(port: Int, sessionID: String, phone: String) {
        transport = { body in
            let request = "POST /ussd/africastalking HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: \(body.readableBytes)\r\nConnection: close\r\n\r\n" + String(buffer: body)
            let raw = try await offThePool {
                let connection = try RawConnection(port: port)
                connection.send(request)
                return connection.readToClose()
            }
            guard let raw, let end = raw.range(of: "\r\n\r\n") else { throw POSIXError(.ETIMEDOUT) }
            let head = raw[..<end.lowerBound].split(separator: "\r\n")
            let code = head.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
            let type = head.dropFirst().first { $0.lowercased().hasPrefix("content-type:") }
                .map { String($0.dropFirst("content-type:".count)).trimmingCharacters(in: .whitespaces) }
            return WebhookReply(status: HTTPResponse.Status(code: code), contentType: type, body: String(raw[end.upperBound...]))
        }
        self.sessionID = sessionID
        self.phone = phone
    }

    func post(_ text: String) async throws -> WebhookReply {
        try await transport(form([
            "sessionId": sessionID, "serviceCode": "*120*1234#", "phoneNumber": phone, "networkCode": "65501", "text": text,
        ]))
    }

    mutating func dial() async throws -> String {
        history = []
        return try await post("").body
    }

    mutating func send(_ input: String) async throws -> String {
        history.append(input)
        return try await post(history.joined(separator: "*")).body
    }

    func retry() async throws -> String { try await post(history.joined(separator: "*")).body }
}

func referenceDigits(_ text: String) -> String { String(text.filter(\.isNumber).suffix(9)) }

extension ApplicationProtocol {
    /// Runs `body` against this app on a real socket on 127.0.0.1, with a client that waits up to
    /// five minutes for an answer. Hummingbird's own live client gives up after 20 s without a
    /// byte; with every suite running at once on CI's two cores, a server's answer can wait longer
    /// for a thread than that. These tests assert what is answered, never how fast.
    func live<Value: Sendable>(_ body: @escaping @Sendable (TestClient) async throws -> Value) async throws -> Value {
        try await test(.live) { framework in
            let client = TestClient(host: "127.0.0.1", port: framework.port!, configuration: .init(timeout: .seconds(300)))
            client.connect()
            do {
                let value = try await body(client)
                try? await client.shutdown()
                return value
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
    }
}
