import Logging
import OrchExecution
import OrchSpec
import PostgresNIO
import OrchPostgres

/// orch's own reads and writes (runs, ticks, tests, lineage), each bounded
/// by `limit`. PostgresNIO can wait for ever on a connection that closed
/// under it (a server restart; vapor/postgres-nio#501), and a heartbeat or a
/// state write stuck that way used to hold a finished run open for good.
/// A call past the limit throws `DeadlineExceeded`, which counts as a lost
/// connection: callers retry it like one. Cancellation does not cut a call
/// short (a stopped run must still record its final states). Same methods as `PostgresClient`,
/// so the repositories read as before.
struct BookkeepingClient: Sendable {
    let pool: PostgresClient
    static let limit: Duration = .seconds(30)

    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        let pool = self.pool
        return try await abandonable(limit: Self.limit, stopsOnCancel: false) { try await pool.query(query, logger: logger) }
    }

    /// A refusal the body decided (`RunWriteRefused`, `RunStoreError`) is thrown
    /// as itself, as every `RunStore` throws it, not inside PostgresNIO's
    /// transaction wrapper (the transaction was rolled back either way).
    func withTransaction<T: Sendable>(logger: Logger, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let pool = self.pool
        do {
            return try await abandonable(limit: Self.limit, stopsOnCancel: false) { try await pool.withTransaction(logger: logger) { try await body($0) } }
        } catch let wrapped as PostgresTransactionError where wrapped.closureError is RunWriteRefused || wrapped.closureError is RunStoreError {
            throw wrapped.closureError!
        }
    }

    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let pool = self.pool
        return try await abandonable(limit: Self.limit, stopsOnCancel: false) { try await pool.withConnection { try await body($0) } }
    }
}
