import Foundation

/// A run as `orch status` lists it.
public struct StoredRun: Sendable, Hashable, Codable {
    public var id: String
    public var pipeline: String
    public var pipelineFile: String
    public var trigger: String
    public var logicalTime: Date
    public var params: [String: String]
    public var specHash: String
    public var status: RunStatus
    public var message: String?
    public var host: String?
    public var pid: Int?
    public var runDirectory: String?
    public var startedAt: Date
    public var finishedAt: Date?
    /// Task counts by state.
    public var taskCounts: [TaskState: Int]
    /// When `orch retry` last took the run over; nil if it never did.
    public var resumedAt: Date?
    /// Seconds the run was at work before `resumedAt`: its earlier sessions, without the gaps between them.
    public var earlierWork: TimeInterval

    public init(id: String, pipeline: String, pipelineFile: String, trigger: String, logicalTime: Date, params: [String: String],
                specHash: String, status: RunStatus, message: String?, host: String?, pid: Int?, runDirectory: String?,
                startedAt: Date, finishedAt: Date?, taskCounts: [TaskState: Int], resumedAt: Date? = nil, earlierWork: TimeInterval = 0) {
        self.id = id
        self.pipeline = pipeline
        self.pipelineFile = pipelineFile
        self.trigger = trigger
        self.logicalTime = logicalTime
        self.params = params
        self.specHash = specHash
        self.status = status
        self.message = message
        self.host = host
        self.pid = pid
        self.runDirectory = runDirectory
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.taskCounts = taskCounts
        self.resumedAt = resumedAt
        self.earlierWork = earlierWork
    }

    /// How long the run was at work: after `orch retry`, its sessions added
    /// up, not first start to last end across the gap before the retry.
    public var duration: TimeInterval? { finishedAt.map { earlierWork + $0.timeIntervalSince(resumedAt ?? startedAt) } }

}

/// One task of a run, with its attempts.
public struct StoredTaskRun: Sendable, Hashable, Codable {
    public var taskID: String
    public var position: Int
    public var state: TaskState
    public var message: String?
    public var attemptCount: Int
    public var startedAt: Date?
    public var finishedAt: Date?
    public var attempts: [StoredAttempt]

    public init(taskID: String, position: Int, state: TaskState, message: String?, attemptCount: Int, startedAt: Date?,
                finishedAt: Date?, attempts: [StoredAttempt]) {
        self.taskID = taskID
        self.position = position
        self.state = state
        self.message = message
        self.attemptCount = attemptCount
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.attempts = attempts
    }

    /// How long the task was at work: its attempts' own durations added up
    /// (a running attempt until `now`), not first start to last end, which
    /// spans retry waits and the gap before an `orch retry`.
    public func workDuration(now: Date = Date()) -> TimeInterval? {
        guard !attempts.isEmpty else { return nil }
        return attempts.reduce(0) { sum, a in
            sum + (a.durationMs.map { Double($0) / 1000 } ?? (a.finishedAt ?? now).timeIntervalSince(a.startedAt))
        }
    }
}

public struct StoredAttempt: Sendable, Hashable, Codable {
    public var attempt: Int
    public var status: AttemptStatus
    public var startedAt: Date
    public var finishedAt: Date?
    public var durationMs: Int?
    public var errorClass: ErrorClass?
    public var error: String?
    public var exitCode: Int?
    public var logPath: String
    public var logTail: String?
    /// A command attempt's process group and its leader's `ProcessStamp`.
    public var processGroup: Int?
    public var processStamp: String?

    public init(attempt: Int, status: AttemptStatus, startedAt: Date, finishedAt: Date?, durationMs: Int?, errorClass: ErrorClass?,
                error: String?, exitCode: Int?, logPath: String, logTail: String?, processGroup: Int?, processStamp: String?) {
        self.attempt = attempt
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.errorClass = errorClass
        self.error = error
        self.exitCode = exitCode
        self.logPath = logPath
        self.logTail = logTail
        self.processGroup = processGroup
        self.processStamp = processStamp
    }
}

/// A run with all its tasks and attempts: `orch status RUN`.
public struct StoredRunDetail: Sendable, Hashable, Codable {
    public var run: StoredRun
    public var tasks: [StoredTaskRun]

    public init(run: StoredRun, tasks: [StoredTaskRun]) {
        self.run = run
        self.tasks = tasks
    }
}

/// A stored data-test result, as `orch tests` shows it: the result the test
/// reported, with the run and task it belongs to and when it was recorded.
/// Its fields read as the result's own (`r.status`); its JSON is one flat object.
@dynamicMemberLookup
public struct StoredTestResult: Sendable, Hashable, Codable {
    public var runID: String
    public var taskID: String
    public var result: TestResult
    public var recordedAt: Date

    public init(runID: String, taskID: String, result: TestResult, recordedAt: Date) {
        self.runID = runID
        self.taskID = taskID
        self.result = result
        self.recordedAt = recordedAt
    }

    public subscript<T>(dynamicMember field: KeyPath<TestResult, T>) -> T { result[keyPath: field] }

    private enum CodingKeys: String, CodingKey { case runID, taskID, recordedAt }

    public init(from decoder: any Decoder) throws {
        result = try TestResult(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        runID = try c.decode(String.self, forKey: .runID)
        taskID = try c.decode(String.self, forKey: .taskID)
        recordedAt = try c.decode(Date.self, forKey: .recordedAt)
    }

    public func encode(to encoder: any Encoder) throws {
        try result.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(runID, forKey: .runID)
        try c.encode(taskID, forKey: .taskID)
        try c.encode(recordedAt, forKey: .recordedAt)
    }
}

/// One dataset in a lineage tree, with the run that last produced it.
public struct LineageNode: Sendable, Hashable, Codable {
    public var dataset: String
    public var lastRunID: String?
    public var lastTaskID: String?
    public var lastProducedAt: Date?
    public var children: [LineageNode]

    public init(dataset: String, lastRunID: String? = nil, lastTaskID: String? = nil, lastProducedAt: Date? = nil, children: [LineageNode]) {
        self.dataset = dataset
        self.lastRunID = lastRunID
        self.lastTaskID = lastTaskID
        self.lastProducedAt = lastProducedAt
        self.children = children
    }
}

/// What `prune` removed (or would remove, with `dryRun`).
public struct PruneResult: Sendable, Codable {
    public var runs = 0
    public var attempts = 0
    public var testResults = 0
    public var lineageEdges = 0
    public var folders: [String] = []

    public init() {}
}
