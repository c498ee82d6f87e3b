import Foundation

/// Where a resident says a fault is, reduced to what decides whether two reports are about the
/// same spot: the street number and street ("12 Vilakazi St", "12 vilakazi street, Orlando West"),
/// the streets of a corner ("cnr Vilakazi & Moema"), or the words of a landmark ("Zola Clinic gate").
/// Case, punctuation and the common abbreviations do not matter; words after the street (the
/// suburb, "ext 2") do not either.
public struct ReportedPlace: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A street number and the street's name (its type, when given: "street", "road", ...).
        case street(number: String, name: [String], type: String?)
        /// Two (or more) streets meeting, by name.
        case corner(Set<[String]>)
        /// No number and no corner: the landmark's significant words.
        case landmark(Set<String>)
    }

    public var kind: Kind

    /// Street types as residents write them, in English and Afrikaans, and the word each stands for.
    static let types: [String: String] = [
        "st": "street", "str": "street", "street": "street", "straat": "street",
        "rd": "road", "road": "road", "weg": "road",
        "ave": "avenue", "av": "avenue", "avenue": "avenue", "laan": "avenue",
        "dr": "drive", "drv": "drive", "drive": "drive", "rylaan": "drive",
        "cres": "crescent", "crescent": "crescent", "ln": "lane", "lane": "lane", "blvd": "boulevard", "boulevard": "boulevard",
        "hwy": "highway", "highway": "highway", "pl": "place", "place": "place", "cl": "close", "close": "close", "way": "way",
        "ct": "court", "court": "court", "sq": "square", "square": "square", "tce": "terrace", "terrace": "terrace",
    ]
    static let corner: Set<String> = ["cnr", "crn", "corner", "kruising", "hoek"]
    static let numbered: Set<String> = ["zone", "ext", "extension", "phase", "block", "section"]
    /// Words that say nothing about the place ("burst pipe at", "opposite the", "next to").
    static let noise: Set<String> = [
        "a", "an", "the", "at", "in", "on", "of", "to", "by", "near", "next", "opposite", "opp", "outside", "behind", "front", "and", "no", "nr", "number",
        "house", "stand", "erf", "unit", "flat", "burst", "pipe", "leak", "leaking", "water", "pothole", "light", "street", "lamp", "broken", "is",
    ]

    public init(_ text: String) {
        let tokens = Self.tokens(text)
        if let c = tokens.firstIndex(where: Self.corner.contains) {
            let streets = tokens[(c + 1)...].split(whereSeparator: { ["and", "amp", "with", "en"].contains($0) })
                .map { Array($0.prefix { Self.types[$0] == nil && !$0.first!.isNumber }.filter { !Self.noise.contains($0) }) }.filter { !$0.isEmpty }
            if streets.count >= 2 {
                kind = .corner(Set(streets))
                return
            }
        }
        if let n = tokens.firstIndex(where: { $0.first!.isNumber }), n + 1 < tokens.count, let number = Self.houseNumber(tokens[n]) {
            var name: [String] = []
            var type: String?
            for token in tokens[(n + 1)...] {
                if let t = Self.types[token], !name.isEmpty { type = t; break }
                // A township's numbered part is part of the name ("Zone 7", "Ext 2"); any other number ends it.
                if token.first!.isNumber, let last = name.last, Self.numbered.contains(last) { name.append(token); break }
                if token.first!.isNumber || name.count == 3 { break }
                // After the number every word is the street's own ("12 Water St", "3 Light Rd").
                name.append(token)
            }
            if !name.isEmpty {
                kind = .street(number: number, name: name, type: type)
                return
            }
        }
        kind = .landmark(Set(tokens.filter { !Self.noise.contains($0) && Self.types[$0] == nil && !Self.corner.contains($0) }))
    }

    /// The digits of a street number ("12" of "12a Vilakazi St"): any report of the same spot by
    /// its street number has them in its words, so a store may look only at addresses that do.
    /// nil for a corner or a landmark.
    public var numberDigits: String? {
        guard case .street(let number, _, _) = kind else { return nil }
        let digits = String(number.prefix { $0.isNumber })
        return digits.isEmpty ? nil : digits
    }

    /// What a store keeps beside an address so that a report by street number reads only the
    /// tickets at that number (`numberDigits`, or "" for a corner, a landmark or no address): an
    /// address can only be the same place as a report whose `numberDigits` equal these.
    public static func storedNumber(of address: String) -> String {
        ReportedPlace(address).numberDigits ?? ""
    }

    /// Lower case, letters and digits only ("&" kept as "amp", "/" read as "and").
    static func tokens(_ text: String) -> [String] {
        // Plain ASCII (almost every address): one pass over the bytes, without Foundation's folding.
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var out: [String] = []
            var word: [UInt8] = []
            func end() {
                if !word.isEmpty { out.append(String(decoding: word, as: UTF8.self)) }
                word.removeAll(keepingCapacity: true)
            }
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): word.append(byte + 32)
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): word.append(byte)
                case UInt8(ascii: "&"): end(); out.append("amp")
                case UInt8(ascii: "/"): end(); out.append("and")
                default: end()
                }
            }
            end()
            return out
        }
        let folded = text.lowercased().folding(options: .diacriticInsensitive, locale: nil).replacingOccurrences(of: "&", with: " amp ")
            .replacingOccurrences(of: "/", with: " and ")
        return folded.split { !($0.isLetter || $0.isNumber) }.map(String.init).filter { !$0.isEmpty }
    }

    /// "12", "12a": digits and at most one letter; anything else ("2026", "0821234567") is no house number.
    static func houseNumber(_ token: String) -> String? {
        let digits = token.prefix { $0.isNumber }
        let rest = token.dropFirst(digits.count)
        guard (1...5).contains(digits.count), rest.count <= 1, rest.allSatisfy(\.isLetter) else { return nil }
        return String(digits.drop { $0 == "0" }) + rest
    }

    /// The same spot, as far as the words tell: the same number on the same street (a type given
    /// on one side only: the other's name begins with it), the same corner, or a landmark whose
    /// words are all those of the other (at least two of them, or exactly the same words).
    public func isSame(as other: ReportedPlace) -> Bool {
        switch (kind, other.kind) {
        case (.street(let n1, let s1, let t1), .street(let n2, let s2, let t2)):
            guard n1 == n2 else { return false }
            if let t1, let t2 { return s1 == s2 && t1 == t2 }
            // Without a type on one side, where its street ends is not known: the suburb may follow.
            return s1.starts(with: s2) || s2.starts(with: s1)
        case (.corner(let a), .corner(let b)):
            return a == b
        case (.landmark(let a), .landmark(let b)):
            guard !a.isEmpty, !b.isEmpty else { return false }
            let (small, large) = a.count <= b.count ? (a, b) : (b, a)
            return small == large || (small.count >= 2 && small.isSubset(of: large))
        default:
            return false
        }
    }
}

extension GeoPoint {
    /// Metres along the earth's surface (haversine, mean radius).
    public func distance(to other: GeoPoint) -> Double {
        let r = 6_371_008.8, rad = Double.pi / 180
        let dLat = (other.lat - lat) * rad, dLong = (other.long - long) * rad
        let h = sin(dLat / 2) * sin(dLat / 2) + cos(lat * rad) * cos(other.lat * rad) * sin(dLong / 2) * sin(dLong / 2)
        return 2 * r * asin(min(1, sqrt(h)))
    }
}
