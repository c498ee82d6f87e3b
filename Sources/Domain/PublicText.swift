/// Free text shown publicly (Open311, open data) loses what identifies a person: phone numbers in
/// any spacing or punctuation (`082.123.4567`, `082 123 4567`, `+27 82 123 4567`, `(082) 123-4567`),
/// email addresses and 13-digit South African ID numbers.
public enum PublicText {
    public static let numberRemoved = "[number removed]"
    public static let emailRemoved = "[email removed]"

    public static func scrub(_ text: String) -> String {
        removeNumbers(removeEmails(text))
    }

    /// A run of digits joined by spaces, dots, dashes, slashes, brackets or a leading `+`: nine
    /// digits or more is a phone or ID number (a street number or a date has fewer: 8 at most).
    static func removeNumbers(_ text: String) -> String {
        var out = ""
        var run = ""
        var digits = 0
        func flush() {
            if digits >= 9 {
                // Keep the separator that ended the run (a trailing space or dot is not the number's).
                var trailing = ""
                while let last = run.last, !last.isNumber { trailing = String(last) + trailing; run.removeLast() }
                out += numberRemoved + trailing
            } else {
                out += run
            }
            run = ""
            digits = 0
        }
        for ch in text {
            let joiner = ch == " " || ch == "-" || ch == "." || ch == "/" || ch == "(" || ch == ")" || ch == "\u{00A0}"
            if ch.isASCII && ch.isNumber {
                run.append(ch)
                digits += 1
            } else if (joiner && (digits > 0 || ch == "(")) || (ch == "+" && digits == 0 && run.isEmpty) {
                run.append(ch)
            } else {
                flush()
                out.append(ch)
            }
        }
        flush()
        return out
    }

    /// `local@domain.tld`, with the characters mail addresses use.
    static func removeEmails(_ text: String) -> String {
        let chars = Array(text)
        func local(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || "._%+-".contains(c)) }
        func domain(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || ".-".contains(c)) }
        var out = ""
        var i = 0
        var pending = ""  // characters that may be the local part of an address
        while i < chars.count {
            let c = chars[i]
            if c == "@", !pending.isEmpty {
                var j = i + 1
                while j < chars.count, domain(chars[j]) { j += 1 }
                var host = String(chars[(i + 1)..<j])
                while host.hasSuffix(".") || host.hasSuffix("-") { host.removeLast(); j -= 1 }
                if host.contains("."), host.first.map({ $0 != "." }) == true {
                    out += emailRemoved
                    pending = ""
                    i = j
                    continue
                }
            }
            if local(c) { pending.append(c) } else { out += pending; out.append(c); pending = "" }
            i += 1
        }
        return out + pending
    }
}
