import CCurl
import Foundation
import Gateway

/// Where and as whom staff e-mail is sent: `CIVICGATE_SMTP_URL` (`smtp://host:25`,
/// `smtp://user:password@host:587` with STARTTLS when the server offers it, `smtps://host:465`)
/// and `CIVICGATE_SMTP_FROM`.
public struct SMTPSettings: Sendable, Equatable {
    public var url: String
    public var from: String
    public var timeoutMilliseconds = 15_000

    public init?(url: String, from: String) {
        guard let parsed = URL(string: url), ["smtp", "smtps"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil,
              MailMessage.isAddress(from) else { return nil }
        self.url = url
        self.from = from
    }
}

/// One plain-text message, written as RFC 5322 wants: CRLF line ends, headers that cannot carry
/// a second header (no CR or LF in a value), a non-ASCII subject as an encoded word.
public struct MailMessage: Sendable, Equatable {
    public var from: String
    public var to: String
    public var subject: String
    public var body: String
    public var date: Date

    public init(from: String, to: String, subject: String, body: String, date: Date) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.date = date
    }

    /// One address, no display name, nothing that could end a header or an SMTP command.
    public static func isAddress(_ text: String) -> Bool {
        text.count <= 254 && text.range(of: #"^[^@\s<>,;"()\[\]\\]+@[^@\s<>,;"()\[\]\\]+\.[^@\s<>,;"()\[\]\\]+$"#, options: .regularExpression) != nil
    }

    static func headerValue(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        guard !flat.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) else { return flat }
        return "=?UTF-8?B?\(Data(flat.utf8).base64EncodedString())?="
    }

    /// The message as sent after DATA (libcurl escapes a line that is a lone dot).
    public var rfc5322: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let lines = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        return [
            "Date: \(formatter.string(from: date))",
            "From: \(from)",
            "To: \(to)",
            "Subject: \(Self.headerValue(subject))",
            "Message-ID: <\(UUID().uuidString.lowercased())@civicgate>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "Auto-Submitted: auto-generated",
            "",
        ].joined(separator: "\r\n") + "\r\n" + lines.joined(separator: "\r\n") + "\r\n"
    }
}

/// Sends e-mail through libcurl's SMTP, on a thread of its own for each message (escalations
/// are few), never on the Swift concurrency pool.
public struct SMTPClient: Sendable {
    let settings: SMTPSettings

    public init(_ settings: SMTPSettings) { self.settings = settings }

    public func send(_ message: MailMessage) async -> MailResult {
        guard MailMessage.isAddress(message.to) else { return .permanent("not an e-mail address") }
        let settings = self.settings
        return await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: Self.perform(message, settings)) }
            thread.name = "smtp"
            thread.start()
        }
    }

    /// The message being read by libcurl; handed to it as an opaque pointer.
    final class Source {
        let bytes: [UInt8]
        var offset = 0
        init(_ text: String) { bytes = Array(text.utf8) }
    }

    static func perform(_ message: MailMessage, _ settings: SMTPSettings) -> MailResult {
        guard let handle = curl_easy_init() else { return .temporary("libcurl could not start") }
        defer { curl_easy_cleanup(handle) }
        let source = Unmanaged.passRetained(Source(message.rfc5322))
        defer { source.release() }
        var recipients: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(recipients) }
        recipients = curl_slist_append(recipients, "<\(message.to)>")
        _ = cg_setopt_string(handle, CURLOPT_URL, settings.url)
        _ = cg_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        _ = cg_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = cg_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, 5_000)
        _ = cg_setopt_long(handle, CURLOPT_TIMEOUT_MS, settings.timeoutMilliseconds)
        _ = cg_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue))
        _ = cg_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(message.from)>")
        _ = cg_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients)
        _ = cg_setopt_long(handle, CURLOPT_UPLOAD, 1)
        _ = cg_setopt_read_function(handle) { buffer, size, count, user in
            guard let buffer, let user else { return 0 }
            let source = Unmanaged<Source>.fromOpaque(user).takeUnretainedValue()
            let n = min(size * count, source.bytes.count - source.offset)
            guard n > 0 else { return 0 }
            source.bytes.withUnsafeBufferPointer { all in
                UnsafeMutableRawPointer(buffer).copyMemory(from: all.baseAddress! + source.offset, byteCount: n)
            }
            source.offset += n
            return n
        }
        _ = cg_setopt_pointer(handle, CURLOPT_READDATA, source.toOpaque())
        let code = curl_easy_perform(handle)
        if code == CURLE_OK { return .sent }
        var reply = 0
        _ = cg_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &reply)
        let why = String(cString: curl_easy_strerror(code)) + (reply > 0 ? " (SMTP \(reply))" : "")
        // 5xx: the server refuses this message for good (no such mailbox, policy).
        return (500..<600).contains(reply) ? .permanent(why) : .temporary(why)
    }
}
