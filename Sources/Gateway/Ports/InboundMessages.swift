import Domain
import Foundation

/// An SMS received, remembered by the provider's id so a retried webhook is handled once.
public struct InboundRecord: Sendable, Equatable {
    public var provider: String
    public var providerID: String?
    public var from: MSISDN
    public var text: String
    public var receivedAt: Date

    public init(provider: String, providerID: String?, from: MSISDN, text: String, receivedAt: Date) {
        self.provider = provider
        self.providerID = providerID
        self.from = from
        self.text = text
        self.receivedAt = receivedAt
    }
}
