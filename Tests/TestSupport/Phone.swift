import Domain
import Gateway

/// A resident's phone talking to the gateway the way Africa's Talking does: a new session id per
/// dial, and `text` holding every answer so far joined with `*`.
public final class Phone {
    public let caller: MSISDN
    let gateway: UssdGateway
    public private(set) var sessionID = ""
    private var history: [String] = []
    private var dials = 0
    private let prefix: String
    public var serviceCode = "*120*1234#"

    public init(_ number: String, gateway: UssdGateway, sessionPrefix: String = "s") {
        caller = MSISDN(number)!
        self.gateway = gateway
        prefix = sessionPrefix
    }

    public var text: String { history.joined(separator: "*") }

    public var event: UssdEvent {
        UssdEvent(provider: "africastalking", sessionID: sessionID, msisdn: caller, serviceCode: serviceCode,
                  network: "65501", input: .history(text))
    }

    /// Dials the code: a new session.
    @discardableResult
    public func dial() async -> UssdReply {
        dials += 1
        sessionID = "\(prefix)-\(caller.e164)-\(dials)"
        history = []
        return await gateway.handle(event)
    }

    /// Answers the screen shown.
    @discardableResult
    public func send(_ input: String) async -> UssdReply {
        history.append(input)
        return await gateway.handle(event)
    }

    /// Sends the last request again, as an aggregator retrying after a timeout does.
    public func retry() async -> UssdReply { await gateway.handle(event) }
}
