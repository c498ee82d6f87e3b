#if canImport(Glibc)
import Glibc
#endif
import Domain
import Foundation
import Gateway
import Logging
import ServiceLifecycle

/// The system's resolver (`getaddrinfo`): every address of a host, IPv4 and IPv6.
public struct SystemResolver: HostResolver {
    public init() {}

    public func addresses(of host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(list) }
        var out: [String] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                let address = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !out.contains(address) { out.append(address) }
            }
            next = info.pointee.ai_next
        }
        return out
    }
}

/// Webhook POSTs through libcurl: pinned to the address checked, redirects not followed, 10 s in all.
public struct CurlWebhookPoster: WebhookPoster {
    let client: CurlClient

    public init(client: CurlClient) { self.client = client }

    public func post(_ target: WebhookTargetPolicy.Target, addresses: [String], headers: [(name: String, value: String)], body: [UInt8]) async -> WebhookOutcome {
        var call = HTTPCall(method: "POST", url: target.url, headers: headers.map { "\($0.name): \($0.value)" } + ["Expect:"], body: body)
        // A name is pinned to the addresses checked; an address in the URL is connected to as written.
        if CIDR.bytes(target.host) == nil {
            call.pinned = ["\(target.host):\(target.port):" + addresses.map { $0.contains(":") ? "[\($0)]" : $0 }.joined(separator: ",")]
        }
        call.keepBytes = 2048
        switch await client.perform(call) {
        case .response(let status, _) where (200..<300).contains(status): return .delivered(status: status)
        case .response(let status, let body):
            let answer = String(decoding: body.prefix(200), as: UTF8.self).filter { !$0.isNewline }
            return .failed(status: status, error: (300..<400).contains(status) ? "HTTP \(status): a redirect, not followed" : "HTTP \(status): \(answer)")
        case .failure(let error): return .failed(status: nil, error: error)
        }
    }
}

/// Sends queued webhook messages while the server runs, and every minute refreshes the alert for
/// subscriptions disabled after failing for a day and drops delivered messages older than 30 days.
public struct WebhookSender: Service {
    let dispatch: WebhookDispatch
    let store: any WebhookStore
    let clock: any WallClock
    let logger: Logger
    /// At most this many a second (`CIVICGATE_WEBHOOK_RATE`): a burst of changes goes out steadily,
    /// leaving the machine to residents' sessions, and an MOE's receiver is not flooded.
    let ratePerSecond: Double
    var idlePoll: Duration = .milliseconds(200)

    public init(dispatch: WebhookDispatch, store: any WebhookStore, clock: any WallClock, ratePerSecond: Double = 100, logger: Logger) {
        (self.dispatch, self.store, self.clock, self.ratePerSecond, self.logger) = (dispatch, store, clock, ratePerSecond, logger)
    }

    public func run() async throws {
        let pace = Pace(perSecond: ratePerSecond)
        let batch = max(1, min(32, Int(ratePerSecond / 4)))
        await cancelWhenGracefulShutdown {
            var housekeeping = ContinuousClock.now - .seconds(120)
            while !Task.isCancelled {
                do {
                    if ContinuousClock.now - housekeeping >= .seconds(60) {
                        housekeeping = .now
                        try await dispatch.refreshAlerts()
                        let dropped = try await store.dropDeliveredWebhooks(before: clock.now().addingTimeInterval(-30 * 86400))
                        if dropped > 0 { logger.info("dropped webhook messages older than 30 days", metadata: ["count": "\(dropped)"]) }
                    }
                    if try await dispatch.deliverDue(limit: batch, pace: { await pace.wait() }) == 0 { try? await Task.sleep(for: idlePoll) }
                } catch where Task.isCancelled {
                    return
                } catch {
                    logger.error("webhook sender failed", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}
