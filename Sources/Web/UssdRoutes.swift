import Channels
import Gateway
import Hummingbird
import Logging
import NIOCore

/// `POST /ussd/africastalking`. Whatever arrives, the aggregator gets a well-formed reply: a
/// polite `END` for anything we cannot read, 413 for an oversized body, never a 5xx.
struct UssdRoutes: Sendable {
    let gateway: UssdGateway
    let maxBytes: Int
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        router.post("/ussd/africastalking") { request, _ in
            try await africasTalking(request)
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
            let reply = await gateway.handle(event)
            return plain(AfricasTalkingUSSD.render(reply))
        }
    }

    func plain(_ text: String) -> Response { Plain.ok(text) }
}
