import Foundation
import OrchTestSupport

/// The documented shapes of orch's `--json` documents (README, "JSON
/// output"), as a script would declare them. Decoding is strict: a missing or
/// renamed key fails (nullable keys too, through `Present`).
enum Shape {
    struct Run: Decodable {
        var runId: String
        var pipeline: String
        var pipelineFile: String
        var trigger: String
        var logicalTime: Date
        var params: [String: String]
        var specHash: String
        var status: String
        @Present var message: String?
        @Present var host: String?
        @Present var pid: Int?
        @Present var runDirectory: String?
        var startedAt: Date
        @Present var finishedAt: Date?
        @Present var resumedAt: Date?
        @Present var durationMs: Int?
        var taskCounts: [String: Int]
    }

    struct Attempt: Decodable {
        var attempt: Int
        var status: String
        var startedAt: Date
        @Present var finishedAt: Date?
        @Present var durationMs: Int?
        @Present var errorClass: String?
        @Present var error: String?
        @Present var exitCode: Int?
        var logPath: String
    }

    struct TaskRun: Decodable {
        var taskId: String
        var status: String
        @Present var message: String?
        var attemptCount: Int
        @Present var startedAt: Date?
        @Present var finishedAt: Date?
        @Present var durationMs: Int?
        var attempts: [Attempt]
    }

    struct RunList: Decodable {
        var schemaVersion: Int
        var runs: [Run]
        var total: Int
    }

    /// `orch status RUN`, `orch run --json`, `orch retry --json`, `run_results.json`.
    struct RunResults: Decodable {
        var schemaVersion: Int
        var run: Run
        var tasks: [TaskRun]
        var generatedAt: Date
    }

    struct TestResult: Decodable {
        var runId: String
        var taskId: String
        var test: String
        var testType: String
        var model: String
        @Present var column: String?
        var severity: String
        var status: String
        var failingRows: Int
        var sampleRows: [[String: String?]]
        var sql: String
        @Present var message: String?
        var recordedAt: Date
    }

    struct TestResults: Decodable {
        var schemaVersion: Int
        @Present var runId: String?
        var results: [TestResult]
    }

    struct LineageNode: Decodable {
        var dataset: String
        @Present var lastRunId: String?
        @Present var lastTaskId: String?
        @Present var lastProducedAt: Date?
        var children: [LineageNode]
    }

    struct Lineage: Decodable {
        var schemaVersion: Int
        var direction: String
        var lineage: LineageNode
    }

    struct Report: Decodable {
        struct FailedTask: Decodable {
            var taskId: String
            var status: String
            @Present var errorClass: String?
            @Present var message: String?
            var logTail: String
            @Present var logPath: String?
            var attempts: [Attempt]
        }
        struct Stale: Decodable {
            var dataset: String
            var taskId: String
            @Present var lastProducedAt: Date?
            @Present var lastProducedByRunId: String?
            @Present var ageSeconds: Double?
        }
        struct ParamChange: Decodable {
            @Present var before: String?
            @Present var after: String?
        }
        struct Source: Decodable {
            var taskId: String
            var rows: Int
            @Present var lastGoodRows: Int?
            @Present var changePercent: Double?
            var anomaly: Bool
        }
        struct Comparison: Decodable {
            var runId: String
            var startedAt: Date
            var specChanged: Bool
            var paramChanges: [String: ParamChange]
            var sources: [Source]
        }
        var schemaVersion: Int
        var run: Run
        var failedTasks: [FailedTask]
        var failedTests: [TestResult]
        var blockedTasks: [String]
        var blockedTests: [String]
        var staleDatasets: [Stale]
        @Present var lastSuccess: Comparison?
        var resumeCommand: String
        var neverStarted: Bool
        var generatedAt: Date
    }

    struct Schedules: Decodable {
        struct Row: Decodable {
            var name: String
            var pipeline: String
            var timing: String
            var enabled: Bool
            @Present var nextFire: Date?
            @Present var lastRunId: String?
            @Present var lastStatus: String?
            @Present var lastLogicalTime: Date?
            @Present var lastTickTime: Date?
            @Present var lastTickStatus: String?
            @Present var lastTickError: String?
        }
        var schemaVersion: Int
        var schedules: [Row]
    }

    struct Validate: Decodable {
        struct Problem: Decodable {
            @Present var file: String?
            @Present var line: Int?
            @Present var column: Int?
            var message: String
            @Present var hint: String?
        }
        struct File: Decodable {
            var file: String
            var valid: Bool
            @Present var pipeline: String?
            @Present var tasks: Int?
            var diagnostics: [Problem]
        }
        var schemaVersion: Int
        var valid: Bool
        var files: [File]
    }

    struct CronNext: Decodable {
        struct Fire: Decodable {
            var time: Date
            var local: String
        }
        var schemaVersion: Int
        var expression: String
        var timeZone: String
        var times: [Fire]
    }

    struct Graph: Decodable {
        struct Node: Decodable {
            var taskId: String
            var layer: Int
            var isTest: Bool
            var tags: [String]
            var reads: [String]
            var writes: [String]
        }
        struct Edge: Decodable {
            var from: String
            var to: String
            var reason: String
            @Present var dataset: String?
        }
        var schemaVersion: Int
        var pipeline: String
        var nodes: [Node]
        var edges: [Edge]
    }

    struct Logs: Decodable {
        struct Attempt: Decodable {
            var taskId: String
            var attempt: Int
            var status: String
            var logPath: String
            var fromFile: Bool
            var lines: [String]
        }
        var schemaVersion: Int
        var runId: String
        var attempts: [Attempt]
    }

    struct Prune: Decodable {
        var schemaVersion: Int
        var dryRun: Bool
        var before: Date
        var runs: Int
        var attempts: Int
        var testResults: Int
        var lineageEdges: Int
        var folders: [String]
    }

    struct Backfill: Decodable {
        struct Result: Decodable {
            var logicalTime: Date
            @Present var runId: String?
            @Present var status: String?
            @Present var error: String?
        }
        var schemaVersion: Int
        var schedule: String
        var from: Date
        var to: Date
        var results: [Result]
    }

    struct Segments: Decodable {
        var schemaVersion: Int
        var rows: Int
        var k: Int
        var nInit: Int
        var inertia: Double
        var silhouette: Double
        var kmeansMs: Double
        var silhouetteMs: Double
        var sizes: [String: Int]
    }

    /// `orch query --json`: cells keep their JSON type (numbers, strings, null).
    struct Query: Decodable {
        var schemaVersion: Int
        var sql: String
        var columns: [String]
        var rows: [[String: Cell]]
    }

    enum Cell: Decodable, Equatable {
        case number(Double), text(String), null
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null } else if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .text(try c.decode(String.self)) }
        }
    }
}
