import Domain
import FlowEngine
import Foundation
import Gateway
import Logging

/// Somewhere SMS can be sent.
public protocol SMSProvider: Sendable {
    func send(_ message: OutboxMessage) async -> SendResult
}

/// The default for a first run: logs the message (number masked), sends nothing, marks it sent.
public struct LogProvider: SMSProvider {
    let logger: Logger
    public init(logger: Logger) { self.logger = logger }

    public func send(_ message: OutboxMessage) async -> SendResult {
        let measure = SMSMeasure.of(message.body)
        logger.info("SMS (log provider, not sent)", metadata: [
            "to": "\(message.to.masked)", "outbox": "\(message.id)", "segments": "\(measure.segments)",
            "coding": "\(measure.coding.rawValue)", "text": "\(message.body)",
        ])
        return .accepted(providerID: "log-\(message.id)")
    }
}

/// Kannel's `sendsms`: GET with credentials, `dlr-mask=31` and a `dlr-url` back to us carrying the
/// outbox id; text outside GSM-7 goes as UCS-2 (`coding=2`, UTF-16BE).
public struct KannelProvider: SMSProvider {
    public struct Settings: Sendable {
        public var url: String
        public var username: String
        public var password: String
        public var sender: String?
        /// Our own base URL as Kannel reaches it, for delivery reports.
        public var publicURL: String
        /// Signs the outbox id in each `dlr-url`, so only URLs we made are accepted back.
        public var signature: DeliverySignature?
        /// `CIVICGATE_WEBHOOK_TOKEN`, which `/dlr/*` asks for like every webhook.
        public var webhookToken: String?
        public init(url: String, username: String, password: String, sender: String?, publicURL: String,
                    signature: DeliverySignature? = nil, webhookToken: String? = nil) {
            self.signature = signature
            self.webhookToken = webhookToken
            self.url = url
            self.username = username
            self.password = password
            self.sender = sender
            self.publicURL = publicURL
        }
    }

    let client: CurlClient
    let settings: Settings

    public init(client: CurlClient, settings: Settings) {
        self.client = client
        self.settings = settings
    }

    public func request(for message: OutboxMessage) -> HTTPCall {
        var query: [(String, String)] = [("username", settings.username), ("password", settings.password), ("to", message.to.e164)]
        if let sender = settings.sender { query.append(("from", sender)) }
        query.append(("dlr-mask", "31"))
        var dlr = "\(settings.publicURL)/dlr/kannel?id=\(message.id)&status=%d"
        if let signature = settings.signature { dlr += "&sig=\(signature.sign(outboxID: message.id))" }
        if let token = settings.webhookToken { dlr += "&token=\(URLForm.escape(token))" }
        query.append(("dlr-url", dlr))
        var text = URLForm.escape(message.body)
        if SMSMeasure.of(message.body).coding == .ucs2 {
            query.append(("coding", "2"))
            query.append(("charset", "UTF-16BE"))
            text = URLForm.escape(bytes: Array(message.body.utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] })
        }
        let encoded = query.map { "\($0.0)=\(URLForm.escape($0.1))" } + ["text=\(text)"]
        let separator = settings.url.contains("?") ? "&" : "?"
        return HTTPCall(method: "GET", url: settings.url + separator + encoded.joined(separator: "&"))
    }

    public func send(_ message: OutboxMessage) async -> SendResult {
        switch await client.perform(request(for: message)) {
        case .failure(let error):
            return .temporary(error)
        case .response(let status, let body):
            let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            switch status {
            case 200..<300: return .accepted(providerID: nil)
            case 400..<500: return .permanent("Kannel \(status): \(text)")
            default: return .temporary("Kannel \(status): \(text)")
            }
        }
    }
}

/// Africa's Talking messaging API: a form POST with the `apiKey` header; the JSON reply says per
/// recipient whether it was accepted (statusCode 100-102).
public struct AfricasTalkingProvider: SMSProvider {
    public struct Settings: Sendable {
        public var url: String
        public var username: String
        public var apiKey: String
        public var sender: String?
        public init(url: String, username: String, apiKey: String, sender: String?) {
            self.url = url
            self.username = username
            self.apiKey = apiKey
            self.sender = sender
        }
    }

    let client: CurlClient
    let settings: Settings

    public init(client: CurlClient, settings: Settings) {
        self.client = client
        self.settings = settings
    }

    public func request(for message: OutboxMessage) -> HTTPCall {
        var form = [("username", settings.username), ("to", message.to.e164), ("message", message.body)]
        if let sender = settings.sender { form.append(("from", sender)) }
        let body = form.map { "\($0.0)=\(URLForm.escape($0.1))" }.joined(separator: "&")
        return HTTPCall(method: "POST", url: settings.url, headers: [
            "apiKey: \(settings.apiKey)", "Accept: application/json", "Content-Type: application/x-www-form-urlencoded",
        ], body: Array(body.utf8))
    }

    struct Reply: Decodable {
        struct Data: Decodable {
            struct Recipient: Decodable {
                var statusCode: Int
                var status: String?
                var messageId: String?
            }
            var Recipients: [Recipient]
            var Message: String?
        }
        var SMSMessageData: Data
    }

    public func send(_ message: OutboxMessage) async -> SendResult {
        switch await client.perform(request(for: message)) {
        case .failure(let error):
            return .temporary(error)
        case .response(let status, let body):
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            guard (200..<300).contains(status) else {
                return status >= 500 || status == 429 ? .temporary("AT HTTP \(status): \(text)") : .permanent("AT HTTP \(status): \(text)")
            }
            guard let reply = try? JSONDecoder().decode(Reply.self, from: Data(body)),
                  let recipient = reply.SMSMessageData.Recipients.first else {
                return .temporary("AT reply not understood: \(text)")
            }
            switch recipient.statusCode {
            case 100...102: return .accepted(providerID: recipient.messageId)
            case 500...502: return .temporary("AT \(recipient.statusCode) \(recipient.status ?? "")")
            default: return .permanent("AT \(recipient.statusCode) \(recipient.status ?? "")")
            }
        }
    }
}

/// Percent-encoding for query strings and forms.
public enum URLForm {
    static let unreserved: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8))

    public static func escape(_ text: String) -> String { escape(bytes: Array(text.utf8)) }

    static let hex = Array("0123456789ABCDEF".utf8)

    public static func escape(bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3)
        for b in bytes {
            if unreserved.contains(b) {
                out.append(b)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0x0f)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
