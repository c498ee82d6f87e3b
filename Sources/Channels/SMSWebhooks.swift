import Domain
import Gateway

/// Incoming SMS and delivery reports from Africa's Talking and Kannel, into one shape.
public enum SMSWebhooks {
    /// Africa's Talking incoming SMS (form `from, to, text, date, id, linkId, networkCode`).
    public static func africasTalking(_ form: FormBody) throws(CallbackError) -> InboundSMS {
        try inbound(form, provider: "africastalking")
    }

    /// Kannel `sms-service` get-url/post-url (`from, to, text`, optional `id`).
    public static func kannel(_ form: FormBody) throws(CallbackError) -> InboundSMS {
        try inbound(form, provider: "kannel")
    }

    static func inbound(_ form: FormBody, provider: String) throws(CallbackError) -> InboundSMS {
        guard let from = form["from"], !from.isEmpty else { throw .missingField("from") }
        guard let msisdn = MSISDN(from) else { throw .invalidPhoneNumber }
        guard let text = form["text"] else { throw .missingField("text") }
        guard text.utf8.count <= 4096 else { throw .tooLong("text") }
        let id = form["id"].flatMap { $0.isEmpty ? nil : String($0.prefix(128)) }
        return InboundSMS(provider: provider, providerID: id, from: msisdn, to: form["to"], text: text)
    }

    /// Africa's Talking delivery report (form `id, status, phoneNumber, failureReason, ...`).
    public static func africasTalkingDLR(_ form: FormBody) throws(CallbackError) -> DeliveryReport {
        guard let id = form["id"], !id.isEmpty else { throw .missingField("id") }
        guard let status = form["status"] else { throw .missingField("status") }
        let state: DeliveryReport.State
        switch status {
        case "Success": state = .delivered
        case "Sent", "Submitted", "Buffered": state = .sent
        case "Failed", "Rejected", "Expired": state = .failed
        default: throw .missingField("status")
        }
        let reason = form["failureReason"].flatMap { $0.isEmpty ? nil : $0 }
        return DeliveryReport(message: .providerID(id), state: state, reason: state == .failed ? reason ?? status : nil)
    }

    /// Kannel delivery report, from the `dlr-url` we gave it: `id` is our outbox id, `status` the
    /// DLR value (1 delivered to phone, 2 not delivered, 4 queued, 8 delivered to SMSC, 16 rejected).
    public static func kannelDLR(_ form: FormBody) throws(CallbackError) -> DeliveryReport {
        guard let id = form["id"].flatMap({ Int64($0) }) else { throw .missingField("id") }
        guard let value = form["status"].flatMap({ Int($0) }) else { throw .missingField("status") }
        let state: DeliveryReport.State
        switch value {
        case 1: state = .delivered
        case 2, 16: state = .failed
        case 4, 8: state = .sent
        default: throw .missingField("status")
        }
        return DeliveryReport(message: .outboxID(id), state: state, reason: state == .failed ? "DLR \(value)" : nil)
    }
}
