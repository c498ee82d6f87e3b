/// E-mail addresses, also when disguised: `name@example.com`, `thabó@example.com`,
/// `name(at)example.com`, `name [at] example [dot] com`, `name at gmail dot com`, full-width `＠`.
enum EmailScrubber {
    /// Top-level domains that make `name at something dot com` an address rather than a sentence
    /// ("burst at the corner. Call..."); an explicit `@` or `(at)` needs no such list.
    static let spelledTLDs: Set<String> = ["com", "net", "org", "za", "gov", "edu", "info", "africa", "io", "biz", "uk", "us", "mail"]

    enum Marker { case symbol, bracketed, word }

    static func scrub(_ text: String) -> String {
        let chars = Array(text)
        var out = ""
        var copied = 0
        var i = 0
        while i < chars.count {
            if let (marker, after) = at(chars, i), let start = localStart(chars, before: i), start >= copied,
               let end = domainEnd(chars, from: after, marker) {
                out += String(chars[copied..<start]) + PublicText.emailRemoved
                copied = end
                i = end
                continue
            }
            i += 1
        }
        return out + String(chars[copied...])
    }

    static func isLocal(_ c: Character) -> Bool { c.isLetter || TextClass.digit(c) != nil || "._%+-'".contains(c) }
    static func isLabel(_ c: Character) -> Bool { c.isLetter || TextClass.digit(c) != nil || c == "-" }

    /// Does `word` (ASCII letters, any case) stand at `i`?
    static func word(_ chars: [Character], _ i: Int, _ word: String) -> Bool {
        let w = Array(word)
        guard i + w.count <= chars.count else { return false }
        return (0..<w.count).allSatisfy { chars[i + $0].lowercased() == String(w[$0]) }
    }

    static func spaces(_ chars: [Character], from i: Int) -> Int {
        var j = i
        while j < chars.count, chars[j] == " " { j += 1 }
        return j
    }

    /// `word` in brackets at `i` (`(at)`, `[ dot ]`...), answering where it ends.
    static func bracketed(_ chars: [Character], _ i: Int, _ name: String) -> Int? {
        let pairs: [Character: Character] = ["(": ")", "[": "]", "{": "}", "<": ">"]
        guard i < chars.count, let close = pairs[chars[i]] else { return nil }
        var j = spaces(chars, from: i + 1)
        guard word(chars, j, name) else { return nil }
        j = spaces(chars, from: j + name.count)
        guard j < chars.count, chars[j] == close else { return nil }
        return j + 1
    }

    /// The "at" of an address at `i`: which kind, and where the domain may begin.
    static func at(_ chars: [Character], _ i: Int) -> (Marker, Int)? {
        let c = chars[i]
        if c == "@" || c == "＠" || c == "﹫" { return (.symbol, i + 1) }
        let j = spaces(chars, from: i)
        if i > 0, let end = bracketed(chars, j, "at") { return (.bracketed, spaces(chars, from: end)) }
        if c == " ", word(chars, i + 1, "at"), i + 3 < chars.count, chars[i + 3] == " " { return (.word, i + 4) }
        return nil
    }

    /// Where the local part before the marker at `i` begins, if it has one.
    static func localStart(_ chars: [Character], before i: Int) -> Int? {
        var j = i
        while j > 0, isLocal(chars[j - 1]) { j -= 1 }
        while j < i, chars[j] == "." { j += 1 }
        return j < i ? j : nil
    }

    /// Where the domain from `i` ends: labels joined by dots (`.`, `．`, `。`, ` dot `, `(dot)`),
    /// at least two labels, the last of letters only.
    static func domainEnd(_ chars: [Character], from i: Int, _ marker: Marker) -> Int? {
        var j = i
        var labels: [String] = []
        while true {
            var k = j
            while k < chars.count, isLabel(chars[k]) { k += 1 }
            guard k > j else { break }
            labels.append(String(chars[j..<k]).lowercased())
            j = k
            guard let next = dot(chars, j), next < chars.count, isLabel(chars[next]) else { break }
            j = next
        }
        guard labels.count >= 2, let last = labels.last, last.count >= 2, last.allSatisfy(\.isLetter) else { return nil }
        if marker == .word, !spelledTLDs.contains(last) { return nil }
        return j
    }

    /// The dot between two labels at `i`, answering where the next label begins.
    static func dot(_ chars: [Character], _ i: Int) -> Int? {
        guard i < chars.count else { return nil }
        if chars[i] == "." || chars[i] == "．" || chars[i] == "。" { return i + 1 }
        let j = spaces(chars, from: i)
        if let end = bracketed(chars, j, "dot") { return spaces(chars, from: end) }
        if j > i, word(chars, j, "dot"), j + 3 < chars.count, chars[j + 3] == " " { return spaces(chars, from: j + 3) }
        return nil
    }
}
