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
    /// The run's folder: where this attempt's files go (its log, compiled SQL, rejected rows).
    public var runFolder: RunDirectory
    /// The folder of this task in this run (`runs/<pipeline>/<run>/<task>`).
    public var taskDirectory: String { runFolder.taskDirectory(taskID) }
    public var log: AttemptLog
    /// The attempt's time limit, if any, so kinds can pass it on (e.g. `statement_timeout`).
    public var timeout: Duration?
    /// Kinds that start a process say so with its pid (the leader of its own
    /// process group), so that what is left of it after orch dies can be found.
    public var processStarted: @Sendable (_ pid: Int32) -> Void = { _ in }

    public init(runID: String, pipeline: String, taskID: String, attempt: Int, maxAttempts: Int,
                logicalTime: Date, runFolder: RunDirectory, log: AttemptLog, timeout: Duration?) {
        self.runID = runID
        self.pipeline = pipeline
        self.taskID = taskID
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.logicalTime = logicalTime
        self.runFolder = runFolder
        self.log = log
        self.timeout = timeout
    }
}

/// What an attempt reports: a line for people, facts for the store, the
/// dataset edges it produced, and (for a data test) its result.
public struct TaskOutput: Sendable, Hashable {
    public var summary: String?
    public var facts: [String: String]
    public var lineage: [LineageEdge]
    public var testResult: TestResult?

    public init(summary: String? = nil, facts: [String: String] = [:], lineage: [LineageEdge] = [],
                testResult: TestResult? = nil) {
        self.summary = summary
        self.facts = facts
        self.lineage = lineage
        self.testResult = testResult
    }
}

/// Data flowed from `source` to `target` (datasets: `schema.table`, `file:…`, `http:…`).
public struct LineageEdge: Sendable, Hashable, Codable {
    public var source: String
    public var target: String
    public init(source: String, target: String) {
        self.source = source
        self.target = target
    }
}

/// The outcome of one data test, as stored and reported.
public struct TestResult: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable, CustomStringConvertible {
        case pass, fail, warn, error
        /// Stored text this build does not know reads as `error`, never refused.
        public init(storedText: String) { self = Status(rawValue: storedText) ?? .error }
        public var description: String { rawValue }
    }
    /// `error` fails the task (and blocks what depends on the model); `warn` only reports.
    public enum Severity: String, Sendable, Hashable, Codable, CustomStringConvertible {
        case error, warn
        public init(storedText: String) { self = Severity(rawValue: storedText) ?? .error }
        public var description: String { rawValue }
    }
    public var test: String
    public var testType: String
    public var model: String
    public var column: String?
    public var severity: Severity
    public var status: Status
    public var failingRows: Int
    /// A few offending rows as JSON objects (column → value as text).
    public var sampleRows: String
    /// The SQL that returns the offending rows, to paste into psql.
    public var sql: String
    public var message: String?

    public init(test: String, testType: String, model: String, column: String?, severity: Severity, status: Status,
                failingRows: Int, sampleRows: String, sql: String, message: String? = nil) {
        self.test = test
        self.testType = testType
        self.model = model
        self.column = column
        self.severity = severity
        self.status = status
        self.failingRows = failingRows
        self.sampleRows = sampleRows
        self.sql = sql
        self.message = message
    }
}

/// A failure a task kind understands, and whether trying again may help.
public struct TaskFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// A short class for grouping and reports: `exit_code`, `sql_error`, `timeout`, …
    public var errorClass: ErrorClass
    public var message: String
    public var retryable: Bool
    public var exitCode: Int32?
    /// The least wait before a retry, when the other side said so (HTTP `Retry-After`).
    public var retryAfter: Duration?
    /// What the failed attempt still has to report (a failed data test's result).
    public var output: TaskOutput?

    public init(_ errorClass: ErrorClass, _ message: String, retryable: Bool, exitCode: Int32? = nil, retryAfter: Duration? = nil,
                output: TaskOutput? = nil) {
        self.errorClass = errorClass
        self.message = message
        self.retryable = retryable
        self.exitCode = exitCode
        self.retryAfter = retryAfter
        self.output = output
    }

    public var description: String { message }
}

/// An error that knows which `TaskFailure` it is (a warehouse error: its
/// class and whether a retry may help). The executor maps such errors
/// itself, so one that escapes a task kind is never an "internal" error.
public protocol TaskFailureConvertible: Error {
    /// The failure, its message prefixed with what was being done (`loading raw.x`).
    func taskFailure(doing: String?) -> TaskFailure
}
