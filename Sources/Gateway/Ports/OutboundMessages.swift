import Domain

/// An SMS to send, queued in the outbox in the same transaction as what caused it.
public struct OutboundSMS: Sendable, Equatable {
    public var to: MSISDN
    public var body: String
    /// Only the confirmation of STOP itself goes to a number that has opted out.
    public var evenIfOptedOut: Bool

    public init(to: MSISDN, body: String, evenIfOptedOut: Bool = false) {
        self.to = to
        self.body = body
        self.evenIfOptedOut = evenIfOptedOut
    }
}
