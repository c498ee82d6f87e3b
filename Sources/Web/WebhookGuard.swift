import Gateway
import Hummingbird
import Logging

/// Aggregators and SMS providers are strangers until they show the shared token (compared in
/// constant time) and, when an allow-list is set, come from an allowed network. Anything else gets
/// 401 (403 outside the allow-list) before it is read, so nothing is stored and no SMS is queued.
///
/// Attached to the webhook route groups, never matched on the path: it runs for exactly the
/// routes the router runs, whatever spelling of the path reached them.
struct WebhookGuard: RouterMiddleware {
    typealias Context = WebContext
    let security: WebSecurity
    let logger: Logger

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if !security.webhookAllow.isEmpty, !security.webhookAllow.containsAddress(context.clientAddress) {
            logger.notice("webhook from outside the allow-list", metadata: ["path": "\(path)", "client": "\(context.clientAddress)"])
            return Plain.response(.forbidden, "forbidden\n")
        }
        if let token = security.webhookToken {
            let given = request.uri.queryParameters["token"].map(String.init) ?? ""
            guard ConstantTime.equal(given, token) else {
                logger.notice("webhook without a valid token", metadata: ["path": "\(path)", "client": "\(context.clientAddress)"])
                var response = Plain.response(.unauthorized, "unauthorized: add token=<CIVICGATE_WEBHOOK_TOKEN> to the callback URL\n")
                response.headers[.wwwAuthenticate] = "Token"
                return response
            }
        }
        return try await next(request, context)
    }
}
