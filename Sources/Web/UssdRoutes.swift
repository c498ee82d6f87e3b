import Channels
import Domain
import Gateway
import Hummingbird
import Logging
import NIOCore

/// `POST /ussd/africastalking`. Whatever arrives, the aggregator gets a well-formed reply: a
/// polite `END` for anything we cannot read, 413 for an oversized body, never a 5xx.
struct UssdRoutes: Sendable {
    let gateway: UssdGateway
    let health: OperationalHealth?
    let clock: any WallClock
    let maxBytes: Int
    let logger: Logger

    /// Under `/ussd`, behind `guard`: the token is checked by the routes themselves, so every
    /// spelling of a path that reaches them (`//ussd/...`, `/ussd//truteq`) meets it.
    func register(on router: Router<WebContext>, guard webhookGuard: WebhookGuard) {
        let group = router.group("ussd").add(middleware: webhookGuard)
        group.post("africastalking") { request, _ in
            try await africasTalking(request)
        }
        group.post("truteq") { request, _ in
            try await truTeq(request)
        }
    }

    func africasTalking(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: maxBytes)
        let parsed: AfricasTalkingUSSD.Request
        do {
            parsed = try AfricasTalkingUSSD.parse(FormBody(parsing: Array(body.readableBytesView)))
        } catch {
            logger.notice("unreadable USSD callback", metadata: ["error": "\(error)"])
            return plain(AfricasTalkingUSSD.render(UssdReply(text: gateway.apology("common.error", language: nil), isFinal: true)))
        }
        switch parsed {
        case .sessionEnded:
            return plain("")
        case .hop(let event):
            health?.inbound(at: clock.now())
            let reply = await gateway.handle(event)
            return plain(AfricasTalkingUSSD.render(reply))
        }
    }

    /// TruTeq XML: unreadable XML is a 400 (the aggregator's contract is XML, and a 400 tells its
    /// operator what is wrong); a readable request always gets well-formed XML back.
    func truTeq(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: maxBytes)
        let event: UssdEvent
        do {
            event = try TruTeqUSSD.parse(Array(body.readableBytesView))
        } catch {
            logger.notice("unreadable TruTeq callback", metadata: ["error": "\(error)"])
            return Plain.badRequest("unreadable TruTeq USSD request: \(error)")
        }
        health?.inbound(at: clock.now())
        let reply = await gateway.handle(event)
        return Response(status: .ok, headers: [.contentType: "application/xml; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: TruTeqUSSD.render(reply))))
    }

    func plain(_ text: String) -> Response { Plain.ok(text) }
}
