import Gateway

/// How a staff account's scope is stored in `users.moe`: an MOE's code, or `org:<id>` for an
/// organisation's member (no MOE has that code, so no query by MOE ever matches it).
extension StaffScope {
    public init(stored: String) {
        if stored.hasPrefix("org:"), let id = Int64(stored.dropFirst(4)) { self = .organisation(id) } else { self = .moe(stored) }
    }

    public var stored: String { description }
}
