import PostgresNIO

/// An error that knows by itself whether the connection failed (rather than
/// the statement), so that classification never needs the module that threw it.
public protocol ConnectionAwareError: Error {
    var isConnectionProblem: Bool { get }
}

/// What PostgreSQL (or the client library) said about a failed call, typed:
/// the one place where PostgresNIO's errors are read.
public struct PostgresFailure: ConnectionAwareError, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var detail: String?
    public var hint: String?
    public var sqlState: SQLState?
    /// 1-based character offset in the statement, when Postgres gives one.
    public var position: Int?
    /// True when the connection failed, not the statement: worth retrying.
    public var isConnectionProblem: Bool

    public init(message: String, connectionProblem: Bool = false) {
        self.message = message
        isConnectionProblem = connectionProblem
    }

    /// Reads `error` (unwrapped from PostgresNIO's transaction wrapper first).
    public init(_ error: any Error) {
        let error = Self.underlying(error)
        if let known = error as? PostgresFailure {
            self = known
            return
        }
        let info = (error as? PSQLError)?.serverInfo
        message = info?[.message] ?? Self.describe(error)
        detail = info?[.detail]
        hint = info?[.hint]
        sqlState = info?[.sqlState].map(SQLState.init(rawValue:))
        position = info?[.position].flatMap { Int($0) }
        isConnectionProblem = Self.isConnectionProblem(error)
    }

    /// One line: message, SQLSTATE, detail and hint.
    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += "; detail: \(detail)" }
        if let hint { text += "; hint: \(hint)" }
        return text
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
        if let legacy = error as? PostgresError, case .connectionClosed = legacy {
            return "lost the connection to PostgreSQL (connection closed); is the server running?"
        }
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
        if let aware = error as? any ConnectionAwareError { return aware.isConnectionProblem }
        // A call that got no answer in orch's bookkeeping limit: the connection is as good as gone.
        if error is DeadlineExceeded { return true }
        // PostgresNIO's older error type: what a COPY throws when its connection died under it.
        if let legacy = error as? PostgresError, case .connectionClosed = legacy { return true }
        guard let psql = error as? PSQLError else { return false }
        if let state = psql.serverInfo?[.sqlState] { return SQLState(rawValue: state).category == .connection }
        switch psql.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed:
            return true
        default:
            return false
        }
    }
}

/// Setting up a connection failed before any statement: a bad URL, or the
/// embedded cluster could not be started. Worded for the person who has to
/// fix it; never contains a password.
public struct PostgresSetupError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    init(_ description: String) { self.description = description }

    static func badURL(_ detail: String) -> PostgresSetupError {
        PostgresSetupError("ORCH_DATABASE_URL is not a valid PostgreSQL URL: \(detail)")
    }

    static func embedded(_ detail: String) -> PostgresSetupError {
        PostgresSetupError("embedded PostgreSQL: \(detail)")
    }
}

extension PostgresFailure {
    /// The connection was already closed (the server restarted, or a stop closed it).
    public static let connectionClosed = PostgresFailure(message: "the connection to PostgreSQL is closed", connectionProblem: true)
}
