import Domain
import Gateway

/// Africa's Talking USSD callbacks: form fields in, `CON `/`END ` text out.
public enum AfricasTalkingUSSD {
    public static let provider = "africastalking"

    /// What a callback asks for: a hop, or the end-of-session notification (answered with 200).
    public enum Request: Sendable, Equatable {
        case hop(UssdEvent)
        case sessionEnded(sessionID: String)
    }

    public static func parse(_ form: FormBody) throws(CallbackError) -> Request {
        guard let sessionID = form["sessionId"], !sessionID.isEmpty else { throw .missingField("sessionId") }
        guard sessionID.utf8.count <= 128 || sessionID.count <= 128 else { throw .tooLong("sessionId") }  // bytes first: no grapheme counting
        if form["text"] == nil, form["status"] != nil {
            return .sessionEnded(sessionID: sessionID)
        }
        guard let phone = form["phoneNumber"], !phone.isEmpty else { throw .missingField("phoneNumber") }
        guard let msisdn = MSISDN(phone) else { throw .invalidPhoneNumber }
        guard let text = form["text"] else { throw .missingField("text") }
        guard text.utf8.count <= 2048 else { throw .tooLong("text") }
        return .hop(UssdEvent(
            provider: provider, sessionID: sessionID, msisdn: msisdn,
            serviceCode: Self.clipped(form["serviceCode"] ?? "", to: 32), network: form["networkCode"],
            input: .history(text)))
    }

    /// At most `limit` characters; short text (every real service code) as it is, without counting graphemes.
    static func clipped(_ text: String, to limit: Int) -> String {
        text.utf8.count <= limit ? text : String(text.prefix(limit))
    }

    /// `CON ` keeps the session open; `END ` closes it.
    public static func render(_ reply: UssdReply) -> String {
        (reply.isFinal ? "END " : "CON ") + reply.text
    }
}
