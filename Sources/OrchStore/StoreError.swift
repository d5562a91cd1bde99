import OrchPostgres

/// Errors of orch's own store, worded for the person who has to fix them.
/// Never contains a password. Postgres' errors themselves are read in
/// OrchPostgres (`PostgresFailure`); the statics below forward there so
/// that callers keep one name.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    init(_ description: String) { self.description = description }

    /// See `PostgresFailure.underlying`.
    public static func underlying(_ error: any Error) -> any Error { PostgresFailure.underlying(error) }

    /// See `PostgresFailure.describe`.
    public static func describe(_ error: any Error) -> String { PostgresFailure.describe(error) }

    /// See `PostgresFailure.isConnectionProblem`.
    public static func isConnectionProblem(_ error: any Error) -> Bool { PostgresFailure.isConnectionProblem(error) }
}

extension StoreError {
    public static func notFound(_ run: String) -> StoreError {
        StoreError("no run `\(run)`; `orch status` lists recent runs")
    }
}
