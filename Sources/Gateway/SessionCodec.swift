import FlowEngine

/// The stored form of a `Session`: length-prefixed fields (`5:hello`), so any text a resident
/// types round-trips exactly, and several times cheaper to write and read than JSON on every hop.
public enum SessionCodec {
    static let tag = "s1"

    public static func encode(_ s: Session) -> String {
        var out = tag
        func put(_ v: String) { out += "\(v.utf8.count):"; out += v }
        func putSlots(_ slots: [String: String]) {
            put(String(slots.count))
            for (k, v) in slots.sorted(by: { $0.key < $1.key }) { put(k); put(v) }
        }
        func putTrail(_ trail: [StateID]) {
            put(String(trail.count))
            trail.forEach(put)
        }
        put(s.language ?? "")
        put(s.state)
        put(String(s.page))
        put(s.ended ? "1" : "0")
        putTrail(s.trail)
        putSlots(s.slots)
        if let snap = s.suspended {
            put("1")
            put(snap.state)
            put(String(snap.page))
            putTrail(snap.trail)
            putSlots(snap.slots)
        } else {
            put("0")
        }
        return out
    }

    public static func decode(_ text: String) -> Session? {
        var utf8 = Substring(text).utf8
        guard utf8.starts(with: tag.utf8) else { return nil }
        utf8 = utf8.dropFirst(tag.utf8.count)
        func take() -> String? {
            guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")),
                  let n = Int(Substring(utf8[utf8.startIndex..<colon])), n >= 0 else { return nil }
            let start = utf8.index(after: colon)
            guard let end = utf8.index(start, offsetBy: n, limitedBy: utf8.endIndex) else { return nil }
            let value = String(Substring(utf8[start..<end]))
            utf8 = utf8[end...]
            return value
        }
        func takeInt() -> Int? { take().flatMap { Int($0) } }
        func takeTrail() -> [StateID]? {
            guard let n = takeInt(), n >= 0 else { return nil }
            var trail: [StateID] = []
            for _ in 0..<n { guard let v = take() else { return nil }; trail.append(v) }
            return trail
        }
        func takeSlots() -> [String: String]? {
            guard let n = takeInt(), n >= 0 else { return nil }
            var slots: [String: String] = [:]
            for _ in 0..<n {
                guard let k = take(), let v = take() else { return nil }
                slots[k] = v
            }
            return slots
        }
        guard let language = take(), let state = take(), let page = takeInt(), let ended = take(),
              let trail = takeTrail(), let slots = takeSlots(), let hasSnapshot = take() else { return nil }
        var suspended: Session.Snapshot?
        if hasSnapshot == "1" {
            guard let sState = take(), let sPage = takeInt(), let sTrail = takeTrail(), let sSlots = takeSlots() else { return nil }
            suspended = Session.Snapshot(state: sState, page: sPage, slots: sSlots, trail: sTrail)
        }
        return Session(language: language.isEmpty ? nil : language, state: state, page: page, slots: slots, trail: trail,
                       suspended: suspended, ended: ended == "1")
    }
}
