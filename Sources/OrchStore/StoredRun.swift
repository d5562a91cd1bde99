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
    public var status: String
    public var message: String?
    public var host: String?
    public var pid: Int?
    public var runDirectory: String?
    public var startedAt: Date
    public var finishedAt: Date?
    /// Task counts by state (`succeeded`, `failed`, …).
    public var taskCounts: [String: Int]

    public var duration: TimeInterval? { finishedAt.map { $0.timeIntervalSince(startedAt) } }
}

/// One task of a run, with its attempts.
public struct StoredTaskRun: Sendable, Hashable, Codable {
    public var taskID: String
    public var position: Int
    public var state: String
    public var message: String?
    public var attemptCount: Int
    public var startedAt: Date?
    public var finishedAt: Date?
    public var attempts: [StoredAttempt]
}

public struct StoredAttempt: Sendable, Hashable, Codable {
    public var attempt: Int
    public var status: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var durationMs: Int?
    public var errorClass: String?
    public var error: String?
    public var exitCode: Int?
    public var logPath: String
    public var logTail: String?
    /// A command attempt's process group and its leader's `ProcessStamp`.
    public var processGroup: Int?
    public var processStamp: String?
}

/// A run with all its tasks and attempts: `orch status RUN`.
public struct StoredRunDetail: Sendable, Hashable, Codable {
    public var run: StoredRun
    public var tasks: [StoredTaskRun]
}
