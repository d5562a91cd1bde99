import Foundation

/// A configured, runnable task: what a task kind builds from its YAML.
/// The executor calls `run` once per attempt; retries, timeouts and logs are
/// the executor's business, not the body's.
public protocol TaskBody: Sendable {
    /// Does the work of one attempt. Must stop promptly when its task is
    /// cancelled (a timeout or a stop cancels it).
    /// - Throws: `TaskFailure` for a failure the kind understands; anything
    ///   else is recorded as a non-retryable internal error.
    func run(_ context: TaskContext) async throws -> TaskOutput
}

/// What one attempt knows about where and when it runs.
public struct TaskContext: Sendable {
    public var runID: String
    public var pipeline: String
    public var taskID: String
    public var attempt: Int
    public var maxAttempts: Int
    public var logicalTime: Date
    /// The folder of this task in this run (`runs/<pipeline>/<run>/<task>`).
    public var taskDirectory: String
    public var log: AttemptLog
    /// The attempt's time limit, if any, so kinds can pass it on (e.g. `statement_timeout`).
    public var timeout: Duration?

    public init(runID: String, pipeline: String, taskID: String, attempt: Int, maxAttempts: Int,
                logicalTime: Date, taskDirectory: String, log: AttemptLog, timeout: Duration?) {
        self.runID = runID
        self.pipeline = pipeline
        self.taskID = taskID
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.logicalTime = logicalTime
        self.taskDirectory = taskDirectory
        self.log = log
        self.timeout = timeout
    }
}

/// What a successful attempt reports: a line for people, facts for the store.
public struct TaskOutput: Sendable, Hashable {
    public var summary: String?
    public var facts: [String: String]

    public init(summary: String? = nil, facts: [String: String] = [:]) {
        self.summary = summary
        self.facts = facts
    }
}

/// A failure a task kind understands, and whether trying again may help.
public struct TaskFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// A short class for grouping and reports: `exit_code`, `sql_error`, `timeout`, …
    public var errorClass: String
    public var message: String
    public var retryable: Bool
    public var exitCode: Int32?
    /// The least wait before a retry, when the other side said so (HTTP `Retry-After`).
    public var retryAfter: Duration?

    public init(_ errorClass: String, _ message: String, retryable: Bool, exitCode: Int32? = nil, retryAfter: Duration? = nil) {
        self.errorClass = errorClass
        self.message = message
        self.retryable = retryable
        self.exitCode = exitCode
        self.retryAfter = retryAfter
    }

    public var description: String { message }
}
