import Foundation
import OrchExecution

/// `orch report --json`: ``RunReport`` in the JSON contract.
public struct ReportJSON: Encodable, Sendable {
    public struct FailedTask: Encodable, Sendable {
        public var taskId: String
        public var status: TaskState
        @Nullable public var errorClass: ErrorClass?
        @Nullable public var message: String?
        public var logTail: String
        @Nullable public var logPath: String?
        public var attempts: [AttemptJSON]
    }

    public struct StaleDataset: Encodable, Sendable {
        public var dataset: String
        /// The task of this run that should have rebuilt it.
        public var taskId: String
        @Nullable public var lastProducedAt: Date?
        @Nullable public var lastProducedByRunId: String?
        @Nullable public var ageSeconds: Double?
    }

    public struct SourceCount: Encodable, Sendable {
        public var taskId: String
        public var rows: Int
        @Nullable public var lastGoodRows: Int?
        @Nullable public var changePercent: Double?
        public var anomaly: Bool
    }

    public struct ParamChange: Encodable, Sendable {
        @Nullable public var before: String?
        @Nullable public var after: String?
    }

    public struct Comparison: Encodable, Sendable {
        public var runId: String
        public var startedAt: Date
        public var specChanged: Bool
        /// Param name → its value in the last good run and in this one (null: unset).
        public var paramChanges: [String: ParamChange]
        public var sources: [SourceCount]
    }

    public var schemaVersion = JSONOutput.schemaVersion
    public var run: RunJSON
    public var failedTasks: [FailedTask]
    public var failedTests: [TestResultJSON]
    public var blockedTasks: [String]
    public var blockedTests: [String]
    public var staleDatasets: [StaleDataset]
    @Nullable public var lastSuccess: Comparison?
    @Nullable public var resumeCommand: String?
    public var neverStarted: Bool
    public var generatedAt: Date

    public init(_ r: RunReport) {
        run = RunJSON(r.run)
        failedTasks = r.failedTasks.map {
            FailedTask(taskId: $0.task, status: $0.state, errorClass: $0.errorClass, message: $0.message, logTail: $0.logTail,
                       logPath: $0.logPath, attempts: $0.attempts.map(AttemptJSON.init))
        }
        failedTests = r.failedTests.map(TestResultJSON.init)
        blockedTasks = r.blocked
        blockedTests = r.blockedTests
        staleDatasets = r.staleDatasets.map {
            StaleDataset(dataset: $0.dataset, taskId: $0.notRebuiltBy, lastProducedAt: $0.lastProducedAt,
                         lastProducedByRunId: $0.lastProducedBy, ageSeconds: $0.ageSeconds)
        }
        lastSuccess = r.lastSuccess.map { c in
            Comparison(runId: c.lastSuccessRunID, startedAt: c.lastSuccessAt, specChanged: c.specChanged,
                       paramChanges: c.paramChanges.mapValues { ParamChange(before: $0.before, after: $0.after) },
                       sources: c.sources.map {
                           SourceCount(taskId: $0.task, rows: $0.rows, lastGoodRows: $0.lastGoodRows, changePercent: $0.changePercent,
                                       anomaly: $0.anomaly)
                       })
        }
        resumeCommand = r.resumeCommand
        neverStarted = r.neverStarted
        generatedAt = r.generatedAt
    }
}

extension ReportJSON {
    /// `orch report --json` when no run failed: `{"schema_version": 1, "run": null}`.
    public struct Nothing: Encodable, Sendable {
        public var schemaVersion = JSONOutput.schemaVersion
        @Nullable public var run: RunJSON?

        public init() {}
    }
}
