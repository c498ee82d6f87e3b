import Domain
import FlowEngine
import Foundation

/// One inbound SMS being answered: what was read about its number, the keyword it starts with, and
/// the write that will be committed (the message itself, any change, the reply in the outbox).
struct SmsTurn {
    let sms: InboundSMS
    let reads: any ConversationReads
    let now: Date
    /// The reference a report made by this message gets.
    let reference: Reference
    /// The number reached its daily report limit when this message was last tried.
    let limitReached: Bool
    let command: SmsKeywords.Match?
    let subscriber: Subscriber?
    /// The reply's language: the number's, else the keyword's own, else the default.
    let language: String
    let loc: LocaleStrings
    let engine: FlowEngine
    let keywords: SmsKeywords
    var write: HopWrite

    init(_ sms: InboundSMS, _ reads: any ConversationReads, now: Date, reference: Reference, limitReached: Bool,
         keywords: SmsKeywords, engine: FlowEngine, pseudonyms: Pseudonyms?) throws {
        (self.sms, self.reads, self.now, self.reference, self.limitReached) = (sms, reads, now, reference, limitReached)
        (self.engine, self.keywords) = (engine, keywords)
        var subscriber = try reads.subscriber(sms.from)
        var write = HopWrite(session: nil, at: now)
        if subscriber == nil, let pseudonym = pseudonyms?.of(sms.from.e164), let kept = try reads.subscriber(key: pseudonym) {
            // An erased or purged number writes again: its STOP and language hold, and are kept in clear again from now.
            subscriber = kept
            (write.language, write.optOut) = (kept.language, kept.optedOut ? true : nil)
        }
        command = keywords.match(sms.text)
        language = subscriber?.language ?? command?.language ?? engine.locales.fallback
        loc = engine.locales.locale(language)
        write.msisdn = sms.from
        write.inbound = InboundRecord(provider: sms.provider, providerID: sms.providerID, from: sms.from, text: sms.text, receivedAt: now)
        self.subscriber = subscriber
        self.write = write
    }

    var context: TurnContext { TurnContext(now: now, caller: sms.from, channel: .sms, freshReference: reference) }

    /// What followed the keyword.
    var argument: String { command?.argument ?? "" }

    func text(_ key: String, _ values: [String: String] = [:]) -> String { Template.fill(loc.strings[key] ?? key, values) }

    /// The write with `text` queued as the reply.
    mutating func reply(_ text: String, evenIfOptedOut: Bool = false) -> SmsGateway.Plan {
        var text = text
        if subscriber == nil && !evenIfOptedOut && command?.name != "mydata" {
            // A number's first contact carries one line on what is kept and how to ask (MYDATA), in the reply's language.
            write.firstContact = true
            text += "\n" + (engine.locales.locale(write.language ?? language).strings["main.privacy"] ?? "")
        }
        write.messages.append(OutboundSMS(to: sms.from, body: SMSMeasure.cheapest(text), evenIfOptedOut: evenIfOptedOut))
        return .write(write)
    }

    /// The flow's state for a keyword, begun in the reply's language.
    func begin(_ keyword: String, slots: [String: String] = [:]) -> Turn? {
        engine.flow.keywords[keyword].map { engine.begin(at: $0, language: language, slots: slots, context: context) }
    }

    /// Closes any SMS conversation of this number (its next message starts afresh).
    mutating func endConversation() throws {
        guard var stored = try reads.session(key: SmsGateway.sessionKey(sms.from)), !stored.session.ended else { return }
        stored.session.ended = true
        stored.version += 1
        stored.updatedAt = now
        write.session = stored
    }
}
