import HTTPTypes
import Hummingbird

/// Headers every response carries: no framing, no inline script, no referrer, no type sniffing;
/// and under an https public URL, HSTS (browsers then never fall back to plain HTTP). The fields
/// are made once: a field made from a string is checked character by character each time.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = WebContext
    let fields: [HTTPField]

    init(hsts: Bool) {
        var fields = [
            HTTPField(name: .contentSecurityPolicy, value: "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'"),
            HTTPField(name: .xFrameOptions, value: "DENY"),
            HTTPField(name: .referrerPolicy, value: "no-referrer"),
            HTTPField(name: .xContentTypeOptions, value: "nosniff"),
        ]
        if hsts { fields.append(HTTPField(name: .strictTransportSecurity, value: "max-age=31536000; includeSubDomains")) }
        self.fields = fields
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for field in fields {
            // Ours replaces any a route set, as a header set by name would.
            if response.headers.contains(field.name) { response.headers[fields: field.name] = [field] } else { response.headers.append(field) }
        }
        return response
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
