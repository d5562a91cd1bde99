import Foundation
import OrchExecution

/// Runs, tasks and attempts as every JSON document shows them (see
/// ``JSONOutput``): `run_id`, `task_id`, and `status` for all three.
public struct RunJSON: Encodable, Sendable {
    public var runId: String
    public var pipeline: String
    public var pipelineFile: String
    public var trigger: String
    public var logicalTime: Date
    public var params: [String: String]
    public var specHash: String
    public var status: RunStatus
    @Nullable public var message: String?
    @Nullable public var host: String?
    @Nullable public var pid: Int?
    @Nullable public var runDirectory: String?
    public var startedAt: Date
    @Nullable public var finishedAt: Date?
    /// When `orch retry` last resumed it (null if never).
    @Nullable public var resumedAt: Date?
    /// Time at work: every session's, without the gaps before a retry.
    @Nullable public var durationMs: Int?
    /// Task counts by task status (`succeeded`, `upstream_failed`, …).
    public var taskCounts: [TaskState: Int]

    public init(_ r: StoredRun) {
        runId = r.id
        pipeline = r.pipeline
        pipelineFile = r.pipelineFile
        trigger = r.trigger
        logicalTime = r.logicalTime
        params = r.params
        specHash = r.specHash
        status = r.status
        message = r.message
        host = r.host
        pid = r.pid
        runDirectory = r.runDirectory
        startedAt = r.startedAt
        finishedAt = r.finishedAt
        resumedAt = r.resumedAt
        durationMs = r.duration.map(JSONOutput.milliseconds)
        taskCounts = r.taskCounts
    }
}

public struct TaskRunJSON: Encodable, Sendable {
    public var taskId: String
    public var status: TaskState
    @Nullable public var message: String?
    public var attemptCount: Int
    @Nullable public var startedAt: Date?
    @Nullable public var finishedAt: Date?
    @Nullable public var durationMs: Int?
    public var attempts: [AttemptJSON]

    public init(_ t: StoredTaskRun) {
        taskId = t.taskID
        status = t.state
        message = t.message
        attemptCount = t.attemptCount
        startedAt = t.startedAt
        finishedAt = t.finishedAt
        // Its attempts' own work (as `orch status` shows it), not first start to last end across retry waits and resumes.
        durationMs = t.finishedAt == nil ? nil : t.workDuration().map(JSONOutput.milliseconds)
        attempts = t.attempts.map(AttemptJSON.init)
    }
}

public struct AttemptJSON: Encodable, Sendable {
    public var attempt: Int
    public var status: AttemptStatus
    public var startedAt: Date
    @Nullable public var finishedAt: Date?
    @Nullable public var durationMs: Int?
    @Nullable public var errorClass: ErrorClass?
    @Nullable public var error: String?
    @Nullable public var exitCode: Int?
    public var logPath: String

    public init(_ a: StoredAttempt) {
        attempt = a.attempt
        status = a.status
        startedAt = a.startedAt
        finishedAt = a.finishedAt
        durationMs = a.durationMs
        errorClass = a.errorClass
        error = a.error
        exitCode = a.exitCode
        logPath = a.logPath
    }
}

/// `orch status --json`.
public struct RunListJSON: Encodable, Sendable {
    public var schemaVersion = JSONOutput.schemaVersion
    public var runs: [RunJSON]
    /// How many runs match the filters, of which `runs` shows the newest.
    public var total: Int

    public init(_ runs: [StoredRun], total: Int) {
        self.runs = runs.map(RunJSON.init)
        self.total = total
    }
}

/// `orch status RUN --json`, and `run_results.json` (`orch run --json`,
/// `orch retry --json`): the run, every task and every attempt.
public struct RunResultsJSON: Encodable, Sendable {
    public var schemaVersion = JSONOutput.schemaVersion
    public var run: RunJSON
    public var tasks: [TaskRunJSON]
    public var generatedAt: Date

    public init(_ detail: StoredRunDetail, generatedAt: Date = Date()) {
        run = RunJSON(detail.run)
        tasks = detail.tasks.map(TaskRunJSON.init)
        self.generatedAt = generatedAt
    }
}

extension RunResultsJSON {
    /// The same bytes as `JSONOutput.render(self)`, written a task at a time
    /// (`PrettyJSONWriter`): the encoder's intermediate tree for 10,000 tasks
    /// (tens of MB, the peak of a whole `orch run`) is never built.
    public func encoded() throws -> Data {
        let encoder = JSONOutput.encoder()
        var json = PrettyJSONWriter(depth: 2, capacity: 512 * (tasks.count + 2))
        func text(_ s: String) { json.out.append(contentsOf: s.utf8) }
        /// A value encoded alone, indented to sit `depth` levels deep.
        func nested(_ value: some Encodable, depth: Int) throws {
            let indent = Array(repeating: UInt8(ascii: " "), count: 2 * depth)
            let encoded = try encoder.encode(value)
            encoded.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                var lineStart = 0
                for (i, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
                    json.out.append(contentsOf: bytes[lineStart...i])
                    json.out.append(contentsOf: indent)
                    lineStart = i + 1
                }
                json.out.append(contentsOf: bytes[lineStart...])
            }
        }
        // Keys in the order `.sortedKeys` gives them.
        text("{\n  \"generated_at\" : ")
        try nested(JSONOutput.timestamp(generatedAt), depth: 1)
        text(",\n  \"run\" : ")
        try nested(run, depth: 1)
        text(",\n  \"schema_version\" : \(schemaVersion),\n  \"tasks\" : [")
        if tasks.isEmpty {
            text("\n\n  ]")
        } else {
            for (i, task) in tasks.enumerated() {
                text(i == 0 ? "\n    " : ",\n    ")
                task.write(to: &json)
            }
            text("\n  ]")
        }
        text("\n}")
        return Data(json.out)
    }
}

extension JSONOutput {
    /// Whole milliseconds of an interval.
    public static func milliseconds(_ interval: TimeInterval) -> Int { Int((interval * 1000).rounded()) }
}
