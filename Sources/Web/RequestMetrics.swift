import Dispatch
import HTTPTypes
import Hummingbird
import Metrics
import Synchronization

/// Requests counted and timed, with the labels and dimensions of Hummingbird's
/// `MetricsMiddleware` (`hb.requests`, `http.server.request.duration`, `hb.request.errors`,
/// `http.server.active_requests`). Recorded when the handler returns its response rather than
/// after the body is written: Hummingbird's middleware wraps every body in a closure to time it,
/// which sends a response's head and body in two writes (two TCP segments, two system calls)
/// where a single-buffer body otherwise leaves with its head in one. A streamed body (a CSV
/// export) is timed to its first byte. A method outside the standard ones is counted as `other`,
/// so a stranger cannot mint a new series per request.
///
/// Not generic over the context: nested in a generic type, the cache's key and dictionary were
/// looked up through generic metadata and unspecialised hashing on every request.
struct RequestMetrics: RouterMiddleware {
    typealias Context = WebContext

    struct Endpoint: Hashable {
        let route: String
        let method: String
        let status: HTTPResponse.Status
    }

    static func label(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .delete, .patch, .options: method.rawValue
        default: "other"
        }
    }

    struct Recorders {
        let counter: Counter
        let timer: Timer
        let errors: Counter
    }

    final class Cache: Sendable {
        let active = Mutex<[String: Meter]>([:])
        let endpoints = Mutex<[Endpoint: Recorders]>([:])

        func meter(_ method: String) -> Meter {
            active.withLock { meters in
                if let meter = meters[method] { return meter }
                let meter = Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method)])
                meters[method] = meter
                return meter
            }
        }

        func recorders(_ endpoint: Endpoint) -> Recorders {
            endpoints.withLock { all in
                if let found = all[endpoint] { return found }
                let dimensions = [("http.route", endpoint.route), ("http.request.method", endpoint.method),
                                  ("http.response.status_code", endpoint.status.code.description)]
                let made = Recorders(
                    counter: Counter(label: "hb.requests", dimensions: dimensions),
                    timer: Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds),
                    errors: Counter(label: "hb.request.errors", dimensions: [
                        ("http.route", endpoint.route), ("http.request.method", endpoint.method),
                        ("error.type", endpoint.status.code.description),
                    ]))
                all[endpoint] = made
                return made
            }
        }
    }

    let cache = Cache()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let method = Self.label(request.method)
        let active = cache.meter(method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            let recorders = cache.recorders(Endpoint(route: context.endpointPath ?? "Unknown", method: method, status: response.status))
            recorders.counter.increment()
            recorders.timer.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let recorders = cache.recorders(Endpoint(route: context.endpointPath ?? "NotFound", method: method, status: status))
            recorders.counter.increment()
            recorders.errors.increment()
            throw error
        }
    }
}
