import Foundation
import OrchExecution
import OrchGraph

/// What on-call needs about a run that did not succeed, in one place: what
/// failed and why, the log tails and attempts, failed data tests, what was
/// left stale downstream, what changed since the last good run, and the
/// command that resumes it.
public struct RunReport: Sendable, Codable {
    public struct FailedTask: Sendable, Codable {
        public var task: String
        public var state: TaskState
        public var errorClass: ErrorClass?
        public var message: String?
        public var logTail: String
        public var logPath: String?
        public var attempts: [StoredAttempt]
    }

    public struct StaleDataset: Sendable, Codable {
        public var dataset: String
        public var notRebuiltBy: String
        public var lastProducedAt: Date?
        public var lastProducedBy: String?
        public var ageSeconds: Double?
    }

    public struct SourceCount: Sendable, Codable {
        public var task: String
        public var rows: Int
        public var lastGoodRows: Int?
        public var changePercent: Double?
        public var anomaly: Bool
    }

    /// A param's value in the last good run and in this one (nil: unset).
    public struct ParamChange: Sendable, Codable {
        public var before: String?
        public var after: String?
    }

    public struct Comparison: Sendable, Codable {
        public var lastSuccessRunID: String
        public var lastSuccessAt: Date
        public var specChanged: Bool
        public var paramChanges: [String: ParamChange]
        public var sources: [SourceCount]
    }

    public var run: StoredRun
    public var failedTasks: [FailedTask]
    public var failedTests: [StoredTestResult]
    public var blocked: [String]
    /// How many of `blocked` are data tests (listed apart, they are many).
    public var blockedTests: [String]
    public var staleDatasets: [StaleDataset]
    public var lastSuccess: Comparison?
    /// How to resume the run; nil when it cannot be retried (it succeeded, or is still running).
    public var resumeCommand: String?
    /// The run could not start (it has no tasks): there is nothing to retry, only to run again.
    public var neverStarted: Bool
    public var generatedAt: Date

    /// A source count moving by more than this share is flagged.
    public static let anomalyThreshold = 0.2

    public static func build(runID: String, runs: any RunStore) async throws -> RunReport {
        guard let detail = try await runs.detail(runID) else { throw RunStoreError.notFound(runID) }
        return try await build(detail, runs: runs, pipeline: try? PipelineLoader.load(path: detail.run.pipelineFile))
    }

    /// The report of a run already read, with its pipeline as loaded now (nil: the file cannot be read;
    /// then no stale datasets are listed): for a caller that needs both anyway (the web view's run page).
    public static func build(_ detail: StoredRunDetail, runs: any RunStore, pipeline: LoadedPipeline?) async throws -> RunReport {
        let runID = detail.run.id
        let run = detail.run
        var failed: [FailedTask] = []
        for t in detail.tasks where [.failed, .cancelled].contains(t.state) && !t.attempts.isEmpty {
            let last = t.attempts.last
            let fileTail = last.map { AttemptLog.tail(of: $0.logPath, lines: 40) } ?? ""
            failed.append(FailedTask(task: t.taskID, state: t.state, errorClass: last?.errorClass, message: t.message ?? last?.error,
                                     logTail: fileTail.isEmpty ? (last?.logTail ?? "") : fileTail, logPath: last?.logPath,
                                     attempts: t.attempts))
        }
        let (_, failedTests) = try await runs.testResults(run: runID, failedOnly: true)
        let blocked = detail.tasks.filter { [.upstreamFailed, .skipped, .pending].contains($0.state) || ($0.state == .cancelled && $0.attempts.isEmpty) }
            .map(\.taskID)

        // Datasets the run should have rebuilt but did not, from the pipeline's graph.
        var stale: [StaleDataset] = []
        var tests = Set<String>()
        if let loaded = pipeline {
            tests = Set(loaded.graph.nodes.filter(\.isCheck).map(\.id))
            let notDone = Set(detail.tasks.filter { $0.state != .succeeded }.map(\.taskID))
            var writes: [(String, String)] = []
            for node in loaded.graph.nodes where notDone.contains(node.id) {
                for w in node.writes { writes.append((w, node.id)) }
            }
            let produced = try await runs.lastProduced(writes.map(\.0))
            stale = writes.map { w, task in
                let p = produced[w]
                return StaleDataset(dataset: w, notRebuiltBy: task, lastProducedAt: p?.at, lastProducedBy: p?.run,
                                    ageSeconds: p.map { Date().timeIntervalSince($0.at) })
            }
        }

        var comparison: Comparison?
        if let good = try await runs.lastSuccess(pipeline: run.pipeline, before: run.startedAt) {
            let now = try await runs.outputs(run: runID), then = try await runs.outputs(run: good.id)
            var sources: [SourceCount] = []
            for (task, facts) in now.sorted(by: { $0.key < $1.key }) {
                guard let rows = facts["rows_loaded"].flatMap(Int.init) else { continue }
                let before = then[task]?["rows_loaded"].flatMap(Int.init)
                let change = before.map { $0 == 0 ? (rows == 0 ? 0 : 100) : Double(rows - $0) / Double($0) * 100 }
                sources.append(SourceCount(task: task, rows: rows, lastGoodRows: before, changePercent: change,
                                           anomaly: change.map { abs($0) > anomalyThreshold * 100 } ?? false))
            }
            var params: [String: ParamChange] = [:]
            for key in Set(run.params.keys).union(good.params.keys) where run.params[key] != good.params[key] {
                params[key] = ParamChange(before: good.params[key], after: run.params[key])
            }
            comparison = Comparison(lastSuccessRunID: good.id, lastSuccessAt: good.startedAt, specChanged: good.specHash != run.specHash,
                                    paramChanges: params, sources: sources)
        }
        return RunReport(run: run, failedTasks: failed, failedTests: failedTests, blocked: blocked.filter { !tests.contains($0) },
                         blockedTests: blocked.filter { tests.contains($0) }, staleDatasets: stale,
                         lastSuccess: comparison, resumeCommand: resumeCommand(detail),
                         neverStarted: detail.tasks.isEmpty, generatedAt: Date())
    }

    /// `orch retry RUN` for a run that can be retried, the command that runs a
    /// never-started one's logical time again, nil for any other run.
    static func resumeCommand(_ detail: StoredRunDetail) -> String? {
        guard RunStatusTransition.reopen.from.contains(detail.run.status) else { return nil }
        return detail.tasks.isEmpty ? rerunCommand(detail.run) : "orch retry \(detail.run.id)"
    }

    /// How to run a never-started run's logical time again: a scheduled one
    /// by backfilling its tick, anything else by running its pipeline.
    public static func rerunCommand(_ run: StoredRun) -> String {
        switch RunTrigger(text: run.trigger) {
        case let .schedule(name), let .backfill(name), let .trigger(name):
            let t = run.logicalTime.ISO8601Format()
            return "orch backfill \(name) --from \(t) --to \(t)"
        case .manual, .retry:
            return "orch run \(run.pipelineFile)"
        }
    }

    /// What to do next: resume, run again, or nothing (a run that succeeded or is still at work).
    var resumeText: String {
        guard let resumeCommand else {
            return run.status == .running
                ? "**Still running**: nothing to resume; `orch logs \(run.id) -f` follows it."
                : "**\(run.status.rawValue.capitalized)**: nothing to resume."
        }
        return neverStarted ? "**Never started.** Once the cause is fixed, `\(resumeCommand)` runs its logical time again."
                            : "**Resume:** `\(resumeCommand)` (same run, logical time and params; what succeeded stays)"
    }

    /// Markdown in local time with its zone (the `report.md` beside the run).
    public var markdown: String { markdown(time: .choose(utc: false)) }

    /// Markdown: readable with `less`, in a terminal, or rendered; times as `time` shows them.
    public func markdown(time: TimeDisplay) -> String {
        var md = ["# Run \(run.id): \(run.status.rawValue)", ""]
        md.append("- pipeline: `\(run.pipeline)` (\(run.pipelineFile))")
        md.append("- trigger: \(run.trigger); logical time \(time.format(run.logicalTime))")
        md.append("- started \(time.format(run.startedAt)) on \(run.host ?? "?"), took \(Terminal.seconds(run.duration))")
        if let message = run.message { md.append("- note: \(message)") }
        md += ["", resumeText, ""]
        if !failedTasks.isEmpty {
            md.append("## What failed")
            for t in failedTasks {
                md += ["", "### \(t.task): \(t.state.rawValue)" + (t.errorClass.map { " (\($0.rawValue))" } ?? ""), "", t.message ?? "", ""]
                // What the task itself said last: usually why (`fatal: config missing`), where the message has only the command.
                let why = AttemptLog.lastWords(of: t.logTail)
                if !why.isEmpty { md += why.map { "> \($0)" } + [""] }
                md.append("| attempt | status | started | duration | error |")
                md.append("|---|---|---|---|---|")
                for a in t.attempts {
                    md.append("| \(a.attempt) | \(a.status.rawValue) | \(time.format(a.startedAt)) | \(Terminal.seconds(a.durationMs.map { Double($0) / 1000 })) | \((a.error ?? "").replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")) |")
                }
                md += ["", "Last log lines (\(t.logPath ?? "no log file")):", "", "```", t.logTail, "```"]
            }
            md.append("")
        }
        if !failedTests.isEmpty {
            md.append("## Failed data tests")
            for r in failedTests {
                md += ["", "### \(r.test) (\(r.status), severity \(r.severity))", "",
                       "\(r.failingRows) failing row(s) in `\(r.model)\(r.column.map { ".\($0)" } ?? "")`.", "",
                       "Samples: `\(r.sampleRows)`", "", "Reproduce:", "", "```sql", r.sql, "```"]
            }
            md.append("")
        }
        md.append("## Blast radius")
        md.append("")
        md.append(blocked.isEmpty && blockedTests.isEmpty ? "No task was held back."
                  : "Not run because of the failure: " + blocked.map { "`\($0)`" }.joined(separator: ", ")
                    + (blockedTests.isEmpty ? "" : (blocked.isEmpty ? "" : "; and ") + "\(blockedTests.count) data test(s)"))
        if !staleDatasets.isEmpty {
            md += ["", "| dataset now stale | not rebuilt by | last produced | age |", "|---|---|---|---|"]
            for s in staleDatasets {
                md.append("| `\(s.dataset)` | \(s.notRebuiltBy) | \(s.lastProducedAt.map { "\(time.format($0)) (run \(s.lastProducedBy ?? "?"))" } ?? "never") | \(s.ageSeconds.map { Terminal.seconds($0) } ?? "-") |")
            }
        }
        md += ["", "## Since the last good run", ""]
        if let c = lastSuccess {
            md.append("Last success: run `\(c.lastSuccessRunID)` at \(time.format(c.lastSuccessAt)).")
            md.append("- pipeline definition: \(c.specChanged ? "**changed** (spec hash differs)" : "unchanged")")
            md.append("- params: " + (c.paramChanges.isEmpty ? "unchanged" : c.paramChanges.sorted { $0.key < $1.key }.map { "`\($0.key)` \($0.value.before ?? "(unset)") → \($0.value.after ?? "(unset)")" }.joined(separator: ", ")))
            if !c.sources.isEmpty {
                md += ["", "| source | rows now | rows then | change |", "|---|---|---|---|"]
                for s in c.sources {
                    md.append("| \(s.task) | \(s.rows) | \(s.lastGoodRows.map(String.init) ?? "-") | \(s.changePercent.map { String(format: "%+.1f %%", $0) } ?? "-")\(s.anomaly ? " **anomaly**" : "") |")
                }
            }
        } else {
            md.append("No earlier successful run of `\(run.pipeline)`.")
        }
        return md.joined(separator: "\n") + "\n"
    }
}
