import Foundation
import OrchExecution

/// One data-test result in JSON (`orch tests --json`, `orch report --json`):
/// its sample rows as JSON objects, not a string.
public struct TestResultJSON: Encodable, Sendable {
    public var runId: String
    public var taskId: String
    public var test: String
    public var testType: String
    public var model: String
    @Nullable public var column: String?
    public var severity: TestResult.Severity
    public var status: TestResult.Status
    public var failingRows: Int
    public var sampleRows: JSONValue
    public var sql: String
    @Nullable public var message: String?
    public var recordedAt: Date

    public init(_ r: StoredTestResult) {
        runId = r.runID
        taskId = r.taskID
        test = r.test
        testType = r.testType
        model = r.model
        column = r.column
        severity = r.severity
        status = r.status
        failingRows = r.failingRows
        sampleRows = JSONValue(parsing: r.sampleRows)
        sql = r.sql
        message = r.message
        recordedAt = r.recordedAt
    }
}

/// `orch tests --json`: the run whose results these are (null when no run has any).
public struct TestResultsJSON: Encodable, Sendable {
    public var schemaVersion = JSONOutput.schemaVersion
    @Nullable public var runId: String?
    public var results: [TestResultJSON]

    public init(runID: String?, _ results: [StoredTestResult]) {
        runId = runID
        self.results = results.map(TestResultJSON.init)
    }
}

/// A dataset in a lineage tree, with the run and task that last produced it.
public struct LineageNodeJSON: Encodable, Sendable {
    public var dataset: String
    @Nullable public var lastRunId: String?
    @Nullable public var lastTaskId: String?
    @Nullable public var lastProducedAt: Date?
    public var children: [LineageNodeJSON]

    public init(_ node: LineageNode) {
        dataset = node.dataset
        lastRunId = node.lastRunID
        lastTaskId = node.lastTaskID
        lastProducedAt = node.lastProducedAt
        children = node.children.map(LineageNodeJSON.init)
    }
}

/// `orch lineage DATASET --json`.
public struct LineageJSON: Encodable, Sendable {
    public var schemaVersion = JSONOutput.schemaVersion
    /// `upstream`: what it is made from; `downstream`: what is made from it.
    public enum Direction: String, Encodable, Sendable { case upstream, downstream }
    public var direction: Direction
    public var lineage: LineageNodeJSON

    public init(_ root: LineageNode, upstream: Bool) {
        direction = upstream ? .upstream : .downstream
        lineage = LineageNodeJSON(root)
    }
}
