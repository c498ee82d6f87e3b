import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs a statement and reads its result to the end. A `SELECT` that waits (an advisory lock)
    /// reports a failure such as a deadlock in its result, after the rows began: not reading them
    /// would leave the failure unseen and the next statement would fail instead.
    func perform(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}
