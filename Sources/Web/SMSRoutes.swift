import Channels
import Domain
import Gateway
import Hummingbird
import Logging
import NIOCore

/// Incoming SMS (`/sms/africastalking`, `/sms/kannel`) and delivery reports (`/dlr/...`). Each
/// message is stored, with its reply queued in the outbox, before the empty 200 goes back: an
/// acknowledged message is never lost. Unreadable requests get a 400 naming the problem.
struct SMSRoutes: Sendable {
    let sms: SmsGateway
    let reports: DeliveryReports
    /// Kannel reports must carry the signature we put in each `dlr-url`.
    let signature: DeliverySignature?
    let health: OperationalHealth?
    let clock: any WallClock
    let maxBytes: Int
    let logger: Logger

    /// Under `/sms` and `/dlr`, behind `guard`: the token is checked by the routes themselves, so
    /// every spelling of a path that reaches them (`//sms/kannel`, `/sms//kannel/`) meets it.
    func register(on router: Router<WebContext>, guard webhookGuard: WebhookGuard) {
        let sms = router.group("sms").add(middleware: webhookGuard)
        sms.post("africastalking") { request, _ in
            try await inbound(request, SMSWebhooks.africasTalking)
        }
        sms.on("kannel", method: .get) { request, _ in
            try await inbound(request, SMSWebhooks.kannel)
        }
        sms.post("kannel") { request, _ in
            try await inbound(request, SMSWebhooks.kannel)
        }
        let dlr = router.group("dlr").add(middleware: webhookGuard)
        dlr.post("africastalking") { request, _ in
            try await delivery(request, SMSWebhooks.africasTalkingDLR)
        }
        dlr.on("kannel", method: .get) { request, _ in
            try await delivery(request, kannelDLR)
        }
        dlr.post("kannel") { request, _ in
            try await delivery(request, kannelDLR)
        }
    }

    /// The form of a POST body, or of the query string of a GET.
    func form(_ request: Request) async throws -> FormBody {
        if request.method == .get { return try FormBody(parsing: Array((request.uri.query ?? "").utf8)) }
        let body = try await request.body.collect(upTo: maxBytes)
        return try FormBody(parsing: Array(body.readableBytesView))
    }

    func inbound(_ request: Request, _ parse: (FormBody) throws(CallbackError) -> InboundSMS) async throws -> Response {
        let message: InboundSMS
        do {
            message = try parse(try await form(request))
        } catch let error as CallbackError {
            logger.notice("unreadable incoming SMS", metadata: ["error": "\(error)"])
            return Plain.badRequest("unreadable SMS callback: \(error)")
        }
        health?.inbound(at: clock.now())
        await sms.handle(message)
        return Plain.ok("")
    }

    /// A Kannel report names our outbox row, so it must carry that row's signature.
    func kannelDLR(_ form: FormBody) throws(CallbackError) -> DeliveryReport {
        let report = try SMSWebhooks.kannelDLR(form)
        guard case .outboxID(let id) = report.message, let signature, let given = form["sig"],
              signature.verify(outboxID: id, signature: given) else { throw .badSignature }
        return report
    }

    func delivery(_ request: Request, _ parse: (FormBody) throws(CallbackError) -> DeliveryReport) async throws -> Response {
        let report: DeliveryReport
        do {
            report = try parse(try await form(request))
        } catch CallbackError.badSignature {
            logger.notice("delivery report with a missing or wrong signature refused")
            return Plain.response(.forbidden, "the delivery report's signature is missing or wrong\n")
        } catch let error as CallbackError {
            return Plain.badRequest("unreadable delivery report: \(error)")
        }
        let known = try await reports.apply(report)
        if !known { logger.notice("delivery report for an unknown message", metadata: ["message": "\(report.message)"]) }
        return Plain.ok("")
    }
}

/// `text/plain` responses.
enum Plain {
    static func ok(_ text: String) -> Response { response(.ok, text) }
    static func badRequest(_ text: String) -> Response { response(.badRequest, text + "\n") }

    static func response(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Made once: every USSD hop answers with it.
    static let headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
}
