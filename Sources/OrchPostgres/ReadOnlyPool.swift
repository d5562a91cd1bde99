import Logging
import PostgresNIO
import Synchronization

/// A second pool beside the warehouse's, whose sessions start read-only
/// (`default_transaction_read_only`) and notice a client gone mid-statement
/// (`client_connection_check_interval`), for tasks declared `read_only`: a
/// one-statement read runs there as one round trip, outside an explicit
/// transaction, instead of five (BEGIN, its limits, the statement, its
/// transaction id, COMMIT: PostgresNIO sends each only once the one before
/// is answered). A write there fails (SQLSTATE 25006) before it lands, and
/// a stop still ends the statement in the server, within 250 ms of the close.
///
/// Opt-in, not guessed from the SQL: run read-only, a function that catches
/// the refusal of its own write would succeed having written nothing.
public final class ReadOnlyPool: Sendable {
    public let client: PostgresClient
    /// Shown in `pg_stat_activity`, so a DBA can tell these sessions apart.
    public static let applicationName = "orch (read-only)"
    static let startupParameters = [
        ("default_transaction_read_only", "on"), ("client_connection_check_interval", "250"), ("application_name", applicationName),
    ]

    private let url: DatabaseURL
    /// Whether a session with these settings can be opened at all (asked once).
    private let supported = Mutex<Bool?>(nil)

    public init(url: DatabaseURL, logger: Logger) {
        self.url = url
        var configuration = url.clientConfiguration
        configuration.options.additionalStartupParameters = Self.startupParameters
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Whether this pool can be used: one connection with its settings,
    /// opened and closed within `limit`, learnt once (a slow answer is asked again). Not where a server before 14
    /// does not know the check, a platform refuses it, or a pooler drops or
    /// rejects such settings: those tasks take the transaction path, where
    /// the pool would instead have waited for ever for a connection.
    public func isSupported(limit: Duration = .seconds(10)) async -> Bool {
        if let known = supported.withLock({ $0 }) { return known }
        let url = self.url
        var quiet = Logger(label: "orch.read-only-probe")
        quiet.logLevel = .critical
        let logger = quiet
        let opened: Bool
        do {
            opened = try await abandonable(limit: limit, stopsOnCancel: false) { () -> Bool in
                var configuration = try url.connectionConfiguration()
                configuration.options.additionalStartupParameters = Self.startupParameters
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                // The settings are applied, not only accepted (a pooler may drop them).
                let setting = try? await connection.query("SELECT current_setting('default_transaction_read_only')", logger: logger)
                    .collect().first?.decode(String.self)
                let applied = setting == "on"
                try? await connection.close()
                return applied
            }
        } catch is DeadlineExceeded {
            // A slow answer says nothing about the server: asked again next time, meanwhile the transaction path.
            return false
        } catch {
            opened = false
        }
        supported.withLock { $0 = opened }
        return opened
    }
}
