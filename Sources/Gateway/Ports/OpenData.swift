import Domain
import Foundation

/// The tickets for the open dataset, in id order, a batch at a time (keyset paging), so a
/// million rows never sit in memory.
public protocol OpenDataSource: Sendable {
    func openDataRows(after id: Int64, limit: Int) async throws -> [OpenDataRow]
}

extension OpenDataSource {
    /// Every row as CSV, written batch by batch; returns how many.
    public func writeOpenData(_ csv: OpenDataCSV, batch: Int = 5_000, to write: (String) async throws -> Void) async throws -> Int {
        try await write(OpenDataCSV.header)
        var last: Int64 = 0, count = 0
        while true {
            let rows = try await openDataRows(after: last, limit: batch)
            guard let tail = rows.last else { return count }
            var chunk = ""
            chunk.reserveCapacity(rows.count * 120)
            for row in rows { chunk += csv.line(row) }
            try await write(chunk)
            count += rows.count
            last = tail.id
            if rows.count < batch { return count }
        }
    }
}
