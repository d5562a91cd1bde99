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

    /// The error inside a transaction's wrapper (`withTransaction` wraps
    /// whatever went wrong in BEGIN, the body, or COMMIT).
    public static func unwrap(_ error: any Error) -> any Error {
        guard let t = error as? PostgresTransactionError else { return error }
        return t.closureError.map(unwrap) ?? t.beginError ?? t.commitError ?? t.rollbackError ?? error
    }

    /// Postgres' own message, detail and hint, instead of PSQLError's generic text.
    public static func describe(_ error: any Error) -> String {
        let error = unwrap(error)
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
        guard let psql = unwrap(error) as? PSQLError else { return false }
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
