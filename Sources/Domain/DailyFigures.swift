import Foundation

/// Whole numbers (minutes, ratings, days, due times) kept as value → count: the exact percentiles
/// and sums of a day's tickets without a row per ticket. Written `60*3,75,1200*2`.
public struct Tally: Sendable, Equatable {
    public private(set) var counts: [Int: Int] = [:]
    public private(set) var count = 0

    public init() {}

    public init<S: Sequence>(_ values: S) where S.Element == Int {
        for v in values { add(v) }
    }

    public mutating func add(_ value: Int, times: Int = 1) {
        guard times > 0 else { return }
        counts[value, default: 0] += times
        count += times
    }

    public mutating func merge(_ other: Tally) {
        for (v, n) in other.counts { add(v, times: n) }
    }

    public var sum: Int { counts.reduce(0) { $0 + $1.key * $1.value } }
    public var max: Int? { counts.keys.max() }

    /// How many values are below `bound` (or at most `bound` with `inclusive`).
    public func count(below bound: Int, inclusive: Bool = false) -> Int {
        counts.reduce(0) { $0 + ((inclusive ? $1.key <= bound : $1.key < bound) ? $1.value : 0) }
    }

    /// The percentile as `Indicators` defines it: nearest rank, the median of an even count being
    /// the mean of the two middle values.
    public func percentile(_ p: Int) -> Double? {
        guard count > 0 else { return nil }
        let sorted = counts.sorted { $0.key < $1.key }
        func value(at index: Int) -> Int {
            var seen = 0
            for (v, n) in sorted {
                seen += n
                if index < seen { return v }
            }
            return sorted[sorted.count - 1].key
        }
        if p == 50 {
            return count % 2 == 1 ? Double(value(at: count / 2)) : Double(value(at: count / 2 - 1) + value(at: count / 2)) / 2
        }
        let rank = Int((Double(p) / 100 * Double(count)).rounded(.up))
        return Double(value(at: Swift.max(0, Swift.min(count - 1, rank - 1))))
    }

    public var encoded: String {
        counts.sorted { $0.key < $1.key }.map { $0.value == 1 ? "\($0.key)" : "\($0.key)*\($0.value)" }.joined(separator: ",")
    }

    /// Reads `encoded`; nil for anything else.
    public init?(encoded text: Substring) {
        self.init(bytes: text.utf8)
    }

    /// Reads `encoded` as UTF-8 bytes, byte by byte: the dashboard reads tens of thousands per request.
    public init?<C: Collection>(bytes text: C) where C.Element == UInt8 {
        guard !text.isEmpty else { return }
        var number = 0, digits = 0, negative = false, value: Int?
        func end() -> Int? {
            guard digits > 0, digits <= 18 else { return nil }
            defer { (number, digits, negative) = (0, 0, false) }
            return negative ? -number : number
        }
        for byte in text {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                number = number * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            case UInt8(ascii: "-"):
                guard digits == 0, !negative, value == nil else { return nil }
                negative = true
            case UInt8(ascii: "*"):
                guard value == nil, let v = end() else { return nil }
                value = v
            case UInt8(ascii: ","):
                guard add(parsed: value, end()) else { return nil }
                value = nil
            default:
                return nil
            }
        }
        guard add(parsed: value, end()) else { return nil }
    }

    /// One item read: `last` alone, or `value*last` (a count, at least 1).
    private mutating func add(parsed value: Int?, _ last: Int?) -> Bool {
        guard let last else { return false }
        if let value {
            guard last > 0 else { return false }
            add(value, times: last)
        } else {
            add(last)
        }
        return true
    }
}

/// Tickets measured against a target: met; missed (done late, or not done and already past the
/// target when the row was made); and the due times (Unix milliseconds) of those not done and not
/// yet due then, which count as missed once their time has passed.
public struct TargetTally: Sendable, Equatable {
    public var met = 0
    public var missed = 0
    public var pending = Tally()

    public init() {}

    /// `madeAt`: when the row is made; a target passed by then is missed for any later reader.
    mutating func add(done: Date?, target: Date?, madeAt: Date?) {
        guard let target else { return }
        if let done {
            if done <= target { met += 1 } else { missed += 1 }
        } else if let madeAt, target < madeAt {
            missed += 1
        } else {
            pending.add(Self.millis(target))
        }
    }

    mutating func merge(_ other: TargetTally) {
        met += other.met
        missed += other.missed
        pending.merge(other.pending)
    }

    /// The percentage met of those whose outcome is known at `now`, as `Indicators` rounds it.
    func percentage(now: Date) -> Double? {
        let known = met + missed + pending.count(below: Self.millis(now))
        return known == 0 ? nil : Indicators.round(Double(met) * 100 / Double(known))
    }

    static func millis(_ date: Date) -> Int { Int((date.timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// The daily rollup: what the indicators and the dashboard need of the tickets received on one
/// local day in one MOE, service and area. Kept by `FigureRollup`, read instead of the tickets.
public struct DayFigures: Sendable, Equatable {
    public var day: Int
    public var moe: String
    public var service: String
    public var area: String
    /// Tickets received, by channel.
    public var received: [String: Int] = [:]
    /// Whole minutes from receipt to acknowledgement, and to resolution (resolvable tickets).
    public var toAcknowledge = Tally()
    public var toResolve = Tally()
    /// How many were acknowledged and resolved (kept apart from the times, which a merge may skip).
    public var acknowledged = 0
    public var resolved = 0
    public var acknowledgeTarget = TargetTally()
    public var resolveTarget = TargetTally()
    public var reopened = 0
    /// Reports residents added to these tickets ("Add me to it").
    public var added = 0
    /// Survey ratings 1-5.
    public var ratings = Tally()
    /// Of these tickets, how many are open now, and the day numbers on which the others closed
    /// (last closing): the backlog over time and the age of open tickets.
    public var open = 0
    public var closedOn = Tally()

    public init(day: Int, moe: String, service: String, area: String) {
        (self.day, self.moe, self.service, self.area) = (day, moe, service, area)
    }

    public var receivedCount: Int { received.values.reduce(0, +) }

    /// One row per day, MOE, service and area for these tickets, made at `now` (nil: due times are
    /// all kept, for a reader at any time). A row made at `now` is right for readers at `now` or later.
    public static func rollup(_ tickets: [IndicatorTicket], calendar: MunicipalCalendar, now: Date? = nil) -> [DayFigures] {
        var rows: [String: DayFigures] = [:]
        for t in tickets {
            let day = calendar.dayNumber(t.createdAt)
            let key = "\(day)\u{1}\(t.moe)\u{1}\(t.service)\u{1}\(t.area)"
            var row = rows[key] ?? DayFigures(day: day, moe: t.moe, service: t.service, area: t.area)
            row.add(t, calendar: calendar, madeAt: now)
            rows[key] = row
        }
        return rows.values.sorted { ($0.day, $0.moe, $0.service, $0.area) < ($1.day, $1.moe, $1.service, $1.area) }
    }

    mutating func add(_ t: IndicatorTicket, calendar: MunicipalCalendar, madeAt: Date?) {
        received[t.channel, default: 0] += 1
        if let at = t.acknowledgedAt {
            toAcknowledge.add(Indicators.minutes(t.createdAt, at))
            acknowledged += 1
        }
        acknowledgeTarget.add(done: t.acknowledgedAt, target: t.acknowledgeDueAt, madeAt: madeAt)
        if !t.closedWithoutResolution {
            if let at = t.resolvedAt {
                toResolve.add(Indicators.minutes(t.createdAt, at))
                resolved += 1
            }
            resolveTarget.add(done: t.resolvedAt, target: t.dueAt, madeAt: madeAt)
        }
        if t.reopened { reopened += 1 }
        added += t.addedReports
        for r in t.ratings where (1...5).contains(r) { ratings.add(r) }
        if let closed = t.closedAt { closedOn.add(calendar.dayNumber(closed)) } else { open += 1 }
    }

    /// Every row's figures in one (its keys empty).
    public static func merged<S: Sequence>(_ rows: S) -> DayFigures where S.Element == DayFigures {
        var all = DayFigures(day: 0, moe: "", service: "", area: "")
        for row in rows { all.merge(row) }
        return all
    }

    /// Rows merged per key (service, MOE or area); without `durations` the times to acknowledge
    /// and resolve are left out (the costliest part, for tables that show no medians).
    public static func merged(_ rows: [DayFigures], by key: (DayFigures) -> String, durations: Bool = true) -> [String: DayFigures] {
        var out: [String: DayFigures] = [:]
        for row in rows { out[key(row), default: DayFigures(day: 0, moe: "", service: "", area: "")].merge(row, durations: durations) }
        return out
    }

    /// Adds another row's figures to these (the keys stay this row's).
    public mutating func merge(_ other: DayFigures, durations: Bool = true) {
        for (channel, n) in other.received { received[channel, default: 0] += n }
        acknowledged += other.acknowledged
        resolved += other.resolved
        if durations {
            toAcknowledge.merge(other.toAcknowledge)
            toResolve.merge(other.toResolve)
        }
        acknowledgeTarget.merge(other.acknowledgeTarget)
        resolveTarget.merge(other.resolveTarget)
        reopened += other.reopened
        added += other.added
        ratings.merge(other.ratings)
        open += other.open
        closedOn.merge(other.closedOn)
    }

    // MARK: stored form

    /// The figures as one line of text (the keys, `open` and `closedOn` are columns of their own).
    public var encoded: String {
        let channels = received.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
        return ["r=\(channels)", "a=\(toAcknowledge.encoded)", "s=\(toResolve.encoded)",
                "at=\(acknowledgeTarget.met):\(acknowledgeTarget.missed):\(acknowledgeTarget.pending.encoded)",
                "st=\(resolveTarget.met):\(resolveTarget.missed):\(resolveTarget.pending.encoded)",
                "o=\(reopened)", "g=\(ratings.encoded)"].joined(separator: ";") + (added > 0 ? ";j=\(added)" : "")
    }

    /// Reads `encoded` for the row with these keys and columns (as bytes: this is the dashboard's
    /// hot path, tens of thousands of rows a request).
    public init?(day: Int, moe: String, service: String, area: String, open: Int, closedOn: String, encoded text: String) {
        self.init(day: day, moe: moe, service: service, area: area)
        self.open = open
        guard let closed = Tally(bytes: closedOn.utf8) else { return nil }
        self.closedOn = closed
        for field in text.utf8.split(separator: UInt8(ascii: ";")) {
            guard let eq = field.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            let key = field[..<eq], value = field[field.index(after: eq)...]
            func `is`(_ name: StaticString) -> Bool {
                name.withUTF8Buffer { key.elementsEqual($0) }
            }
            if `is`("a") { guard let t = Tally(bytes: value) else { return nil }; toAcknowledge = t }
            else if `is`("s") { guard let t = Tally(bytes: value) else { return nil }; toResolve = t }
            else if `is`("at") { guard let t = Self.target(value) else { return nil }; acknowledgeTarget = t }
            else if `is`("st") { guard let t = Self.target(value) else { return nil }; resolveTarget = t }
            else if `is`("g") { guard let t = Tally(bytes: value) else { return nil }; ratings = t }
            else if `is`("o") { guard let n = Self.number(value) else { return nil }; reopened = n }
            else if `is`("j") { guard let n = Self.number(value) else { return nil }; added = n }
            else if `is`("r") {
                for item in value.split(separator: UInt8(ascii: ",")) {
                    let p = item.split(separator: UInt8(ascii: ":"))
                    guard p.count == 2, let n = Self.number(p[1]) else { return nil }
                    received[String(decoding: p[0], as: UTF8.self), default: 0] += n
                }
            } else { return nil }
        }
        (acknowledged, resolved) = (toAcknowledge.count, toResolve.count)
    }

    static func target<C: Collection>(_ text: C) -> TargetTally? where C.Element == UInt8 {
        let p = text.split(separator: UInt8(ascii: ":"), maxSplits: 2, omittingEmptySubsequences: false)
        guard p.count == 3, let met = number(p[0]), let missed = number(p[1]), let pending = Tally(bytes: p[2]) else { return nil }
        var t = TargetTally()
        (t.met, t.missed, t.pending) = (met, missed, pending)
        return t
    }

    /// A count written in decimal digits.
    static func number<C: Collection>(_ bytes: C) -> Int? where C.Element == UInt8 {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var n = 0
        for b in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) else { return nil }
            n = n * 10 + Int(b - UInt8(ascii: "0"))
        }
        return n
    }
}

/// What the backlog over time and the open ages need of a rollup row: cheap to read for every day
/// with open tickets, whatever the period shown.
public struct BacklogRow: Sendable, Equatable {
    public var day: Int
    public var received: Int
    public var open: Int
    /// The days on which the row's closed tickets last closed.
    public var closedOn: Tally

    public init(day: Int, received: Int, open: Int, closedOn: Tally) {
        (self.day, self.received, self.open, self.closedOn) = (day, received, open, closedOn)
    }

    public init(_ f: DayFigures) {
        self.init(day: f.day, received: f.receivedCount, open: f.open, closedOn: f.closedOn)
    }
}

extension Indicators {
    /// The same figures as `init(_ tickets:now:)` gives for the tickets these rows were made of.
    public init(figures rows: [DayFigures], now: Date) {
        self.init(merged: DayFigures.merged(rows), now: now)
    }

    /// The figures of rows already merged into one.
    public init(merged f: DayFigures, now: Date) {
        self.init()
        received = f.receivedCount
        acknowledged = f.acknowledged
        resolved = f.resolved
        reopened = f.reopened
        reportsAdded = f.added
        medianHoursToAcknowledge = f.toAcknowledge.percentile(50).map(Self.hours)
        medianHoursToResolve = f.toResolve.percentile(50).map(Self.hours)
        p90HoursToResolve = f.toResolve.percentile(90).map(Self.hours)
        acknowledgedWithinTargetPct = f.acknowledgeTarget.percentage(now: now)
        resolvedWithinTargetPct = f.resolveTarget.percentage(now: now)
        satisfactionResponses = f.ratings.count
        satisfactionMean = f.ratings.count == 0 ? nil : Self.round(Double(f.ratings.sum) / Double(f.ratings.count))
    }
}
