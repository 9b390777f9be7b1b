import Logging
import PostgresNIO

/// Something queries run on: the pool (any connection) or one connection (a transaction's),
/// so the hub's reads can run inside an append's transaction without a second connection.
protocol Querier: Sendable {
    func rows(_ query: PostgresQuery) async throws -> PostgresRowSequence
}

extension Querier {
    /// Runs a statement to its end. PostgresNIO reports a statement as under way before it
    /// ran, and an error it meets (a lock timeout, a trigger's refusal) arrives with its rows:
    /// they must be read, or the error is lost and only the next statement fails.
    func exec(_ query: PostgresQuery) async throws {
        for try await _ in try await rows(query) {}
    }
}

extension PostgresClient: Querier {
    func rows(_ query: PostgresQuery) async throws -> PostgresRowSequence { try await self.query(query) }
}

extension PostgresConnection: Querier {
    func rows(_ query: PostgresQuery) async throws -> PostgresRowSequence { try await self.query(query, logger: sqlLogger) }
}

/// PostgresNIO logs each query at debug level: nothing at the default level.
let sqlLogger = Logger(label: "gloss.hub.sql")
