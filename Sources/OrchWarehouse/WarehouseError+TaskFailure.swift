import OrchExecution
import OrchPostgres

/// The one mapping of warehouse errors to task failures, used by every kind:
/// a lost connection (wrapped or not), a serialization failure or a deadlock
/// may succeed on a retry; anything else is the SQL's own fault and is not
/// retried.
extension WarehouseError: TaskFailureConvertible {
    public var isRetryable: Bool { isConnectionProblem || sqlState?.category == .transactionConflict }

    /// The error class recorded for this failure: `connection`, or
    /// `statementClass` (what the kind calls a failed statement). The one
    /// place the class is chosen, so typing it later is one edit.
    public func errorClass(statementClass: ErrorClass = .sqlError) -> ErrorClass {
        isConnectionProblem ? .connection : statementClass
    }

    public func taskFailure(doing: String?) -> TaskFailure {
        taskFailure(doing: doing, statementClass: .sqlError)
    }

    /// - Parameters:
    ///   - doing: what was being done, prefixed to the message (`loading raw.x`).
    ///   - statementClass: the class when the statement, not the connection, failed.
    ///   - output: what the failed attempt still reports (a data test's result).
    public func taskFailure(doing: String?, statementClass: ErrorClass, output: TaskOutput? = nil) -> TaskFailure {
        TaskFailure(errorClass(statementClass: statementClass), (doing.map { "\($0): " } ?? "") + description,
                    retryable: isRetryable, output: output)
    }
}
