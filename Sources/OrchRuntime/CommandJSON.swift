import Foundation
import OrchExecution
import OrchGraph
import OrchSchedule
import OrchSpec

/// The JSON documents of the commands that are not about one run (see
/// ``JSONOutput``; run documents are in RunJSON.swift).

/// `orch schedules --json`: one row per schedule.
public struct SchedulesJSON: Encodable, Sendable {
    public struct Row: Encodable, Sendable {
        public var name: String
        public var pipeline: String
        /// `every 30s`, `cron 30 2 * * * (Europe/Berlin)`.
        public var timing: String
        public var enabled: Bool
        /// Paused with `orch schedules pause`: its ticks are recorded, not run.
        public var paused: Bool
        @Nullable public var nextFire: Date?
        @Nullable public var lastRunId: String?
        @Nullable public var lastStatus: RunStatus?
        @Nullable public var lastLogicalTime: Date?
        /// The newest claimed tick: what became of it and, if its run could not start, why.
        @Nullable public var lastTickTime: Date?
        @Nullable public var lastTickStatus: TickStatus?
        @Nullable public var lastTickError: String?

        public init(name: String, pipeline: String, timing: String, enabled: Bool, paused: Bool, nextFire: Date?,
                    lastRun: ScheduleRunSummary?, lastTick: StoredTick?) {
            self.name = name
            self.pipeline = pipeline
            self.timing = timing
            self.enabled = enabled
            self.paused = paused
            self.nextFire = nextFire
            lastRunId = lastRun?.id
            lastStatus = lastRun?.status
            lastLogicalTime = lastRun?.logicalTime
            lastTickTime = lastTick?.logicalTime
            lastTickStatus = lastTick?.status
            lastTickError = lastTick?.error
        }
    }

    public var schemaVersion = JSONOutput.schemaVersion
    public var schedules: [Row]

    public init(_ schedules: [Row]) { self.schedules = schedules }
}

/// `orch cron next --json`.
public struct CronNextJSON: Encodable, Sendable {
    public struct Fire: Encodable, Sendable {
        /// The instant (UTC, as every JSON time).
        public var time: Date
        /// The same instant on the schedule's wall clock, with its offset: `2026-03-29T03:30:00.000+02:00`.
        public var local: String
    }

    public var schemaVersion = JSONOutput.schemaVersion
    public var expression: String
    public var timeZone: String
    public var times: [Fire]

    public init(expression: String, timeZone: TimeZone, times: [Date]) {
        self.expression = expression
        self.timeZone = timeZone.identifier
        let local = TimeDisplay(timeZone: timeZone)
        self.times = times.map { Fire(time: $0, local: local.iso8601($0)) }
    }
}

/// `orch validate --json`.
public struct ValidateJSON: Encodable, Sendable {
    public struct Problem: Encodable, Sendable {
        @Nullable public var file: String?
        @Nullable public var line: Int?
        @Nullable public var column: Int?
        public var message: String
        @Nullable public var hint: String?
    }

    public struct File: Encodable, Sendable {
        public var file: String
        public var valid: Bool
        @Nullable public var pipeline: String?
        @Nullable public var tasks: Int?
        public var diagnostics: [Problem]

        public init(file: String, pipeline: String?, tasks: Int?, diagnostics: [Diagnostic]) {
            self.file = file
            valid = diagnostics.isEmpty
            self.pipeline = pipeline
            self.tasks = tasks
            self.diagnostics = diagnostics.map {
                Problem(file: $0.location?.file, line: $0.location?.line, column: $0.location?.column, message: $0.message, hint: $0.hint)
            }
        }
    }

    public var schemaVersion = JSONOutput.schemaVersion
    public var valid: Bool
    public var files: [File]

    public init(_ files: [File]) {
        self.files = files
        valid = files.allSatisfy(\.valid)
    }
}

/// `orch graph --json`: the nodes (tasks, models, data tests) and the edges between them.
public struct GraphJSON: Encodable, Sendable {
    public struct Node: Encodable, Sendable {
        public var taskId: String
        /// 1-based, as `orch graph` prints its layers.
        public var layer: Int
        public var isTest: Bool
        public var tags: [String]
        public var reads: [String]
        public var writes: [String]
    }

    public struct Edge: Encodable, Sendable {
        /// Why it exists: `after` (declared), `dataset` (the upstream writes what the downstream reads), `check` (a data test).
        public enum Reason: String, Encodable, Sendable { case after, dataset, check }
        public var from: String
        public var to: String
        public var reason: Reason
        @Nullable public var dataset: String?
    }

    public var schemaVersion = JSONOutput.schemaVersion
    public var pipeline: String
    public var nodes: [Node]
    public var edges: [Edge]

    public init(_ graph: TaskGraph, pipeline: String, subset: Set<Int>) {
        self.pipeline = pipeline
        var nodes: [Node] = []
        var edges: [Edge] = []
        for (n, layer) in graph.layers(of: subset).enumerated() {
            for i in layer {
                let node = graph.nodes[i]
                nodes.append(Node(taskId: node.id, layer: n + 1, isTest: node.isCheck, tags: node.tags, reads: node.reads, writes: node.writes))
                for edge in graph.upstream[i] where subset.contains(edge.index) {
                    let from = graph.nodes[edge.index].id
                    switch edge.reason {
                    case .after: edges.append(Edge(from: from, to: node.id, reason: .after, dataset: nil))
                    case let .dataset(d): edges.append(Edge(from: from, to: node.id, reason: .dataset, dataset: d))
                    case let .check(d): edges.append(Edge(from: from, to: node.id, reason: .check, dataset: d))
                    }
                }
            }
        }
        self.nodes = nodes
        self.edges = edges
    }
}

/// `orch logs RUN --json`: each attempt with its log's path and lines.
public struct LogsJSON: Encodable, Sendable {
    public struct Attempt: Encodable, Sendable {
        public var taskId: String
        public var attempt: Int
        public var status: AttemptStatus
        public var logPath: String
        /// False when the file is gone and `lines` is the tail stored with the attempt.
        public var fromFile: Bool
        public var lines: [String]
    }

    public var schemaVersion = JSONOutput.schemaVersion
    public var runId: String
    public var attempts: [Attempt]

    public init(runID: String, attempts: [Attempt]) {
        runId = runID
        self.attempts = attempts
    }
}

extension LogsJSON.Attempt {
    /// The attempt's log file, or its stored tail when the file is gone.
    public init(task: String, _ a: StoredAttempt) {
        let text = try? String(contentsOfFile: a.logPath, encoding: .utf8)
        let lines = (text ?? a.logTail ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        self.init(taskId: task, attempt: a.attempt, status: a.status, logPath: a.logPath, fromFile: text != nil,
                  lines: lines.last == "" ? Array(lines.dropLast()) : lines)
    }
}

/// `orch prune --json`.
public struct PruneJSON: Encodable, Sendable {
    public var schemaVersion = JSONOutput.schemaVersion
    public var dryRun: Bool
    /// Runs that finished before this were (or would be) deleted.
    public var before: Date
    public var runs: Int
    public var attempts: Int
    public var testResults: Int
    public var lineageEdges: Int
    public var folders: [String]

    public init(_ r: PruneResult, before: Date, dryRun: Bool) {
        self.dryRun = dryRun
        self.before = before
        runs = r.runs
        attempts = r.attempts
        testResults = r.testResults
        lineageEdges = r.lineageEdges
        folders = r.folders
    }
}

/// `orch backfill --json`: one result per logical time.
public struct BackfillJSON: Encodable, Sendable {
    public struct Result: Encodable, Sendable {
        public var logicalTime: Date
        @Nullable public var runId: String?
        /// The run's status; null when it could not start (see `error`).
        @Nullable public var status: RunStatus?
        @Nullable public var error: String?

        public init(_ r: Backfill.Result) {
            switch r {
            case let .finished(tick, runID, status): (logicalTime, runId, self.status, error) = (tick, runID, status, nil)
            case let .couldNotStart(tick, message): (logicalTime, runId, status, error) = (tick, nil, nil, message)
            }
        }
    }

    public var schemaVersion = JSONOutput.schemaVersion
    public var schedule: String
    public var from: Date
    public var to: Date
    public var results: [Result]

    public init(schedule: String, from: Date, to: Date, results: [Result]) {
        self.schedule = schedule
        self.from = from
        self.to = to
        self.results = results
    }
}

/// `orch segments --json`.
public struct SegmentsJSON: Encodable, Sendable {
    public var schemaVersion = JSONOutput.schemaVersion
    public var rows: Int
    public var k: Int
    public var nInit: Int
    public var inertia: Double
    public var silhouette: Double
    public var kmeansMs: Double
    public var silhouetteMs: Double
    /// Segment name → customers in it.
    public var sizes: [String: Int]

    public init(rows: Int, k: Int, nInit: Int, inertia: Double, silhouette: Double, kmeansMs: Double, silhouetteMs: Double,
                sizes: [String: Int]) {
        (self.rows, self.k, self.nInit, self.inertia, self.silhouette) = (rows, k, nInit, inertia, silhouette)
        (self.kmeansMs, self.silhouetteMs, self.sizes) = (kmeansMs, silhouetteMs, sizes)
    }
}

/// `orch query --json`: the columns in order, and each row as column → value
/// (numbers as numbers, NULL as null).
public struct QueryJSON: Encodable, Sendable {
    public var schemaVersion = JSONOutput.schemaVersion
    public var sql: String
    public var columns: [String]
    public var rows: [[String: JSONValue]]

    public init(sql: String, columns: [String], numeric: [Bool], rows: [[String?]]) {
        self.sql = sql
        self.columns = columns
        self.rows = rows.map { row in
            var object: [String: JSONValue] = [:]
            for (i, name) in columns.enumerated() where object[name] == nil {
                object[name] = JSONValue(cell: i < row.count ? row[i] : nil, numeric: i < numeric.count && numeric[i])
            }
            return object
        }
    }
}

/// `orch ls --json`.
public struct NodesJSON: Encodable, Sendable {
    public var schemaVersion = JSONOutput.schemaVersion
    public var nodes: [ListedNode]

    public init(_ nodes: [ListedNode]) { self.nodes = nodes }
}
