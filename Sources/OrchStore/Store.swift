import Foundation
import Logging
import OrchSpec
import PostgresNIO
import OrchPostgres

/// orch's state in PostgreSQL: runs, task runs, attempts. Reach it with
/// `Store.with(url) { store in … }`, which runs the connection pool for the
/// duration of the closure and applies migrations first.
public final class Store: Sendable {
    let client: PostgresClient
    /// Opens no connection until a `read_only` script of one statement uses it.
    let readOnly: ReadOnlyPool?
    let sessions = CheckedSessions()
    let logger: Logger
    public let url: DatabaseURL

    init(client: PostgresClient, readOnly: ReadOnlyPool? = nil, url: DatabaseURL, logger: Logger) {
        self.client = client
        self.readOnly = readOnly
        self.url = url
        self.logger = logger
    }

    /// Connects to `url`, migrates the schema (unless `migrate` is false) and runs `body`.
    /// - Parameter connectTimeout: how long the first round trip (and migrations)
    ///   may take before orch gives up with a clear error instead of waiting forever.
    public static func with<T: Sendable>(_ url: DatabaseURL, migrate: Bool = true, connectTimeout: Duration = .seconds(60),
                                         _ body: @Sendable (Store) async throws -> T) async throws -> T {
        var logger = Logger(label: "orch.store")
        logger.logLevel = .critical
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
        let readOnly = ReadOnlyPool(url: url, logger: logger)
        let store = Store(client: client, readOnly: readOnly, url: url, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            for pool in [client, readOnly.client] {
                group.addTask {
                    await pool.run()
                    return nil
                }
            }
            defer { group.cancelAll() }
            try await store.connect(migrate: migrate, timeout: connectTimeout)
            return try await body(store)
        }
    }

    /// The first round trip (and the migrations), raced against `timeout`
    /// (abandoned, not awaited, when it passes: a query on a dead connection may never return).
    private func connect(migrate: Bool, timeout: Duration) async throws {
        // A refused connection, a missing socket or a rejected login shows at once,
        // where the pool would retry it quietly until `timeout`.
        try await url.probe()
        do {
            try await abandonable(limit: timeout) {
                if migrate { try await self.migrate() } else { try await self.ping() }
            }
        } catch is DeadlineExceeded {
            throw DatabaseUnreachable(url, reason: "no answer within \(DurationText.format(timeout))")
        }
    }

    /// A quick round trip, to tell "server down" from other problems.
    public func ping() async throws {
        _ = try await BookkeepingClient(pool: client).query("SELECT 1", logger: logger).collect()
    }

    public var runs: RunRepository { RunRepository(store: self) }
}
