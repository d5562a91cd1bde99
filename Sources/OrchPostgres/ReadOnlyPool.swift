import Logging
import PostgresNIO
import Synchronization

/// A second pool beside the warehouse's, whose sessions start read-only
/// (`default_transaction_read_only`) and notice a client gone mid-statement
/// (`client_connection_check_interval`): a one-statement read runs there as
/// one round trip, outside any explicit transaction, instead of five (BEGIN,
/// its limits, the statement, its transaction id, COMMIT: PostgresNIO sends
/// each only once the one before is answered).
///
/// Safe because such a session cannot write: a statement that tries to
/// fails before its write lands (SQLSTATE 25006) and keeps nothing, so it is
/// run again in a transaction, once. A stop or a lost connection meanwhile
/// has nothing to undo, and a stop still ends the statement in the server
/// (within 250 ms of the close). Only where the server has the check
/// (PostgreSQL 14 and later): older servers take the transaction path.
public final class ReadOnlyPool: Sendable {
    public let client: PostgresClient
    /// Shown in `pg_stat_activity`, so a DBA can tell these sessions apart.
    public static let applicationName = "orch (read-only)"

    private struct State {
        /// Whether the server has `client_connection_check_interval` (asked once).
        var supported: Bool?
        /// Hashes of statements seen to write, so they go straight to a transaction.
        var writers: Set<Int> = []
    }

    private let state = Mutex(State())

    public init(url: DatabaseURL, logger: Logger) {
        var configuration = url.clientConfiguration
        // Unknown to servers before 14, whose connections would then fail: never opened there (`isSupported`).
        configuration.options.additionalStartupParameters = [
            ("default_transaction_read_only", "on"), ("client_connection_check_interval", "250"),
            ("application_name", Self.applicationName),
        ]
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Whether the server is new enough, asked once through `ask` (a
    /// `server_version_num`); a failed ask is asked again next time.
    public func isSupported(asking ask: () async throws -> Int?) async -> Bool {
        if let known = state.withLock({ $0.supported }) { return known }
        guard let version = try? await ask() else { return false }
        let supported = version >= 140000
        state.withLock { $0.supported = supported }
        return supported
    }

    public func isKnownWriter(_ statement: String) -> Bool {
        state.withLock { $0.writers.contains(statement.hashValue) }
    }

    public func rememberWriter(_ statement: String) {
        state.withLock { s in
            // Bounded: a scheduler runs for months.
            if s.writers.count >= 10_000 { s.writers.removeAll() }
            s.writers.insert(statement.hashValue)
        }
    }
}
