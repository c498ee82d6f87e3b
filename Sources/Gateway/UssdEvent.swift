import Domain

/// One USSD hop from any aggregator, in one shape.
public struct UssdEvent: Sendable, Equatable {
    public var provider: String
    public var sessionID: String
    public var msisdn: MSISDN
    public var serviceCode: String
    public var network: String?
    public var input: Input
    /// The aggregator says the session is over (release, timeout): save it for resumption.
    public var isClose: Bool

    public enum Input: Sendable, Equatable {
        /// Africa's Talking style: every input so far joined with `*`, empty on the first hop.
        case history(String)
        /// Latest-input style (TruTeq, Infobip...): nil on a new session.
        case latest(String?)
    }

    public init(provider: String, sessionID: String, msisdn: MSISDN, serviceCode: String, network: String?, input: Input, isClose: Bool = false) {
        self.provider = provider
        self.sessionID = sessionID
        self.msisdn = msisdn
        self.serviceCode = serviceCode
        self.network = network
        self.input = input
        self.isClose = isClose
    }

    /// Sessions are keyed by provider and the aggregator's id: two aggregators may reuse ids.
    public var sessionKey: String { provider + ":" + sessionID }
}

/// What goes back to the phone.
public struct UssdReply: Sendable, Equatable, Codable {
    public var text: String
    /// `END`: the network closes the session.
    public var isFinal: Bool
    public init(text: String, isFinal: Bool) {
        self.text = text
        self.isFinal = isFinal
    }
}
