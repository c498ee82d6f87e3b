/// Phone and ID numbers: a run of digit groups joined by short runs of anything but letters and
/// line breaks (`082 987 6543`, `082*987*6543`, `0,8,2...`, `０８２...`). Nine digits or more that are
/// not a date or a time make a number; a street number or a date has fewer.
enum NumberScrubber {
    /// Digits of a run outside dates and times that make it a number.
    static let numberDigits = 9
    /// Separators between groups: at most this many characters that are not spaces, and as many spaces.
    static let joinerLimit = 3

    struct Group {
        var start: Int
        var end: Int  // exclusive
        var digits: [Int]
    }

    static func scrub(_ text: String) -> String {
        let chars = Array(text)
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var i = 0
        var copied = 0
        while i < chars.count {
            guard TextClass.digit(chars[i]) != nil else { i += 1; continue }
            let groups = run(chars, from: i)
            let end = groups.last!.end
            if let personal = personal(groups, chars) {
                var start = groups[personal.lowerBound].start
                while start > copied, chars[start - 1] == "+" || chars[start - 1] == "(" || chars[start - 1] == "＋" { start -= 1 }
                out += String(chars[copied..<start]) + PublicText.numberRemoved
                copied = groups[personal.upperBound].end
            }
            i = end
        }
        out += String(chars[copied...])
        return out
    }

    /// The digit groups from `start`, joined while the joiner between two groups is short.
    static func run(_ chars: [Character], from start: Int) -> [Group] {
        var groups: [Group] = []
        var i = start
        while true {
            var group = Group(start: i, end: i, digits: [])
            while i < chars.count, let d = TextClass.digit(chars[i]) { group.digits.append(d); i += 1 }
            group.end = i
            groups.append(group)
            var j = i, marks = 0, spaces = 0
            while j < chars.count, TextClass.digit(chars[j]) == nil, !TextClass.isLetter(chars[j]), !TextClass.isNewline(chars[j]) {
                if chars[j].isWhitespace { spaces += 1 } else { marks += 1 }
                j += 1
            }
            guard j > i, j < chars.count, TextClass.digit(chars[j]) != nil, marks <= joinerLimit, spaces <= joinerLimit else { return groups }
            i = j
        }
    }

    /// The groups of a run that make a number, if they do: all of them, or, where the number stands
    /// clear of a date or time at either end (`2026-12-01 0829876543`), the groups between.
    static func personal(_ groups: [Group], _ chars: [Character]) -> ClosedRange<Int>? {
        let total = groups.reduce(0) { $0 + $1.digits.count }
        guard total >= numberDigits, !isReference(groups, chars) else { return nil }
        let kept = DateTimeTokens(groups: groups, chars: chars).covered
        let other = zip(groups, kept).reduce(0) { $0 + ($1.1 ? 0 : $1.0.digits.count) }
        if other >= numberDigits, let first = kept.firstIndex(of: false), let last = kept.lastIndex(of: false),
           !kept[first...last].contains(true) {
            return first...last
        }
        // A date or time beside a few digits is a date and a stand number; beside a long run it is
        // cover for a phone number split by a colon (`082 12:34 6543`).
        return other >= numberDigits || (kept.contains(true) && other >= 5) ? 0...(groups.count - 1) : nil
    }

    /// A ticket's reference as CivicGate shows it, `393 753 400`, with a valid check digit.
    static func isReference(_ groups: [Group], _ chars: [Character]) -> Bool {
        guard groups.count == 3, groups.allSatisfy({ $0.digits.count == 3 }),
              chars[groups[0].end] == " ", groups[1].start == groups[0].end + 1,
              chars[groups[1].end] == " ", groups[2].start == groups[1].end + 1 else { return false }
        let digits = groups.flatMap(\.digits).map(String.init).joined()
        return (try? Reference(parsing: digits)) != nil
    }
}

/// Which groups of a run are dates (`2026-12-01`, `1/12/2026`) or times (`14:00`, `08:00:30`).
struct DateTimeTokens {
    let groups: [NumberScrubber.Group]
    let chars: [Character]

    func joiner(_ k: Int) -> String { String(chars[groups[k].end..<groups[k + 1].start]) }
    func value(_ k: Int) -> Int { groups[k].digits.reduce(0) { $0 * 10 + $1 } }
    func length(_ k: Int) -> Int { groups[k].digits.count }

    var covered: [Bool] {
        var kept = Array(repeating: false, count: groups.count)
        var k = 0
        while k < groups.count {
            let span = date(at: k) ?? time(at: k) ?? 0
            for m in k..<(k + span) { kept[m] = true }
            k += max(span, 1)
        }
        return kept
    }

    /// A time `h:mm` or `hh:mm[:ss]` that is not part of a longer chain of colons.
    func time(at k: Int) -> Int? {
        guard k + 1 < groups.count, joiner(k) == ":", (1...2).contains(length(k)), value(k) <= 24,
              length(k + 1) == 2, value(k + 1) <= 59, k == 0 || joiner(k - 1) != ":" else { return nil }
        var span = 2
        if k + 2 < groups.count, joiner(k + 1) == ":" {
            guard length(k + 2) == 2, value(k + 2) <= 59 else { return nil }
            span = 3
        }
        if k + span < groups.count, joiner(k + span - 1) == ":" { return nil }
        return span
    }

    /// A date of three groups with one separator (`-`, `/` or `.`), year first or last, not part of
    /// a longer chain of that separator.
    func date(at k: Int) -> Int? {
        guard k + 2 < groups.count else { return nil }
        let separator = joiner(k)
        guard ["-", "/", "."].contains(separator), joiner(k + 1) == separator, k == 0 || joiner(k - 1) != separator,
              k + 3 >= groups.count || joiner(k + 2) != separator else { return nil }
        let lengths = [length(k), length(k + 1), length(k + 2)]
        let yearFirst = lengths == [4, 2, 2] && (1...12).contains(value(k + 1)) && (1...31).contains(value(k + 2))
        let yearLast = (1...2).contains(lengths[0]) && (1...2).contains(lengths[1]) && lengths[2] == 4
            && (1...31).contains(value(k)) && (1...31).contains(value(k + 1))
        return yearFirst || yearLast ? 3 : nil
    }
}
