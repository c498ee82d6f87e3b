/// Page numbers come from strangers: the row offset of a page never traps, whatever the numbers.
public enum Paging {
    /// Rows before 1-based `page` of `size` rows; past `Int.max` it stays at `Int.max` (an empty page).
    public static func offset(page: Int, size: Int) -> Int {
        let (value, overflow) = (max(1, page) - 1).multipliedReportingOverflow(by: max(0, size))
        return overflow ? Int.max : value
    }
}
