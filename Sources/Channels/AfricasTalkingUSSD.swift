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
        guard sessionID.count <= 128 else { throw .tooLong("sessionId") }
        if form["text"] == nil, form["status"] != nil {
            return .sessionEnded(sessionID: sessionID)
        }
        guard let phone = form["phoneNumber"], !phone.isEmpty else { throw .missingField("phoneNumber") }
        guard let msisdn = MSISDN(phone) else { throw .invalidPhoneNumber }
        guard let text = form["text"] else { throw .missingField("text") }
        guard text.utf8.count <= 2048 else { throw .tooLong("text") }
        return .hop(UssdEvent(
            provider: provider, sessionID: sessionID, msisdn: msisdn,
            serviceCode: String((form["serviceCode"] ?? "").prefix(32)), network: form["networkCode"],
            input: .history(text)))
    }

    /// `CON ` keeps the session open; `END ` closes it.
    public static func render(_ reply: UssdReply) -> String {
        (reply.isFinal ? "END " : "CON ") + reply.text
    }
}
