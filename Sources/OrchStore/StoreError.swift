import OrchSpec
import PostgresNIO

/// Errors from the store and the embedded database, worded for the person
/// who has to fix them. Never contains a password.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    init(_ description: String) { self.description = description }

    static func badURL(_ detail: String) -> StoreError {
        StoreError("ORCH_DATABASE_URL is not a valid PostgreSQL URL: \(detail)")
    }

    static func embedded(_ detail: String) -> StoreError {
        StoreError("embedded PostgreSQL: \(detail)")
    }

    /// The error inside PostgresNIO's transaction wrapper (what failed: BEGIN,
    /// the body, COMMIT), so that every caller classifies the real cause.
    public static func underlying(_ error: any Error) -> any Error {
        guard let wrapped = error as? PostgresTransactionError else { return error }
        return wrapped.closureError.map(underlying) ?? wrapped.beginError ?? wrapped.commitError ?? wrapped.rollbackError ?? error
    }

    /// Postgres' own message, detail and hint, instead of PSQLError's generic text.
    public static func describe(_ error: any Error) -> String {
        let error = underlying(error)
        if let late = error as? DeadlineExceeded { return "PostgreSQL did not answer within \(late.limit); is the server running?" }
        guard let psql = error as? PSQLError else { return String(describing: error) }
        if let info = psql.serverInfo {
            var text = info[.message] ?? "server error"
            if let state = info[.sqlState] { text += " (SQLSTATE \(state))" }
            if let detail = info[.detail] { text += "\n  detail: \(detail)" }
            if let hint = info[.hint] { text += "\n  hint: \(hint)" }
            return text
        }
        switch psql.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown:
            return "lost the connection to PostgreSQL (\(psql.code)); is the server running?"
        default:
            return "PostgreSQL client error: \(psql.code)"
        }
    }

    /// Errors worth retrying: the connection, not the statement, failed.
    public static func isConnectionProblem(_ error: any Error) -> Bool {
        let error = underlying(error)
        if let warehouse = error as? WarehouseError { return warehouse.isConnectionProblem }
        // A call that got no answer in orch's bookkeeping limit: the connection is as good as gone.
        if error is DeadlineExceeded { return true }
        guard let psql = error as? PSQLError else { return false }
        if let state = psql.serverInfo?[.sqlState] {
            // 08: connection exception; 57P01-03: admin shutdown / crash shutdown / cannot connect now.
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state)
        }
        switch psql.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed:
            return true
        default:
            return false
        }
    }
}

extension StoreError {
    public static func notFound(_ run: String) -> StoreError {
        StoreError("no run `\(run)`; `orch status` lists recent runs")
    }
}
