import Foundation
import Hummingbird
import OrchExecution
import OrchGraph
import OrchRuntime
import OrchSpec
import OrchStore

/// `/run/ID` (an id or a unique prefix): the run's failure report when it
/// did not succeed, its DAG coloured by state, the timeline of attempts,
/// and every task with its attempts and their logs.
struct RunPage {
    let context: WebContext

    func detail(_ id: String) async throws -> StoredRunDetail {
        let resolved = try await context.store.runs.resolve(id)
        guard let detail = try await context.store.runs.detail(resolved) else { throw PageNotFound(what: "no run `\(id)`") }
        return detail
    }

    func render(id: String, showTests: Bool = false) async throws -> Response {
        let detail = try await detail(id)
        let run = detail.run, time = context.time, now = Date()
        // Read once, for the report and the DAG both.
        let pipeline = try? PipelineLoader.load(path: run.pipelineFile)
        var report: HTML = .empty
        if RunStatusTransition.reopen.from.contains(run.status) {
            let built = try await RunReport.build(detail, runs: context.store.runs, pipeline: pipeline)
            report = ReportHTML(report: built, time: time, secrets: secrets(run)).html
        }
        let tasks = detail.tasks.sorted { $0.position < $1.position }
        let (dag, dagNote) = picture(run: run, tasks: tasks, graph: pipeline?.graph, showTests: showTests)
        let params = run.params.sorted { $0.key < $1.key }.map { k, v -> HTML in "<code>\(k)=\(v)</code>" }.joined(separator: " ")
        let took = run.duration ?? (run.status == .running ? now.timeIntervalSince(run.startedAt) : nil)
        let body: HTML = """
        <h1>Run <code>\(run.id)</code> \(Layout.badge(run.status.rawValue))</h1>
        <p>pipeline <b>\(run.pipeline)</b> (<code>\(run.pipelineFile)</code>) · trigger \(run.trigger) · logical time \(time.format(run.logicalTime))<br>
        started \(time.format(run.startedAt)) on \(run.host ?? "?") · took \(Terminal.seconds(took))\
        \(run.message.map { m -> HTML in " · <span class=\"muted\">\(m)</span>" } ?? .empty)\
        \(params.markup.isEmpty ? .empty : "<br>params \(params)")<br>
        <a href="\(href: WebPath(segments: ["tests"], query: [("run", run.id)]))">data tests of this run</a></p>
        \(report)
        <h2>DAG</h2>\(dagNote)\(dag.svg)
        <h2>Timeline</h2>\(TimelinePicture(runStart: run.startedAt, now: now, tasks: showTests ? tasks : tasks.filter { !dag.folded.contains($0.taskID) }).svg)
        <h2>Tasks</h2>\(taskTable(run: run, tasks: tasks, now: now))
        """
        return Layout.page("Run \(run.id)", section: .runs, refresh: run.status == .running ? 3 : nil, body)
    }

    /// The DAG as the pipeline file reads now, limited to the run's tasks;
    /// data tests folded into the nodes they test unless `showTests`.
    func picture(run: StoredRun, tasks: [StoredTaskRun], graph: TaskGraph?, showTests: Bool) -> (DAGPicture, HTML) {
        let index = Dictionary(tasks.enumerated().map { ($1.taskID, $0) }, uniquingKeysWith: { a, _ in a })
        let nodes = tasks.map { t in
            DAGPicture.Node(id: t.taskID, state: Self.displayState(t), note: Self.note(t), link: "#task-\(WebPath.encode(t.taskID))")
        }
        guard let graph else {
            return (DAGPicture(nodes: nodes, edges: []),
                    "<p class=\"muted\">The pipeline file <code>\(run.pipelineFile)</code> cannot be read now: tasks are shown without their edges.</p>")
        }
        var edges: [(from: Int, to: Int)] = []
        for (to, t) in tasks.enumerated() {
            guard let g = graph.index(of: t.taskID) else { continue }
            for up in graph.upstream[g] {
                if let from = index[graph.nodes[up.index].id] { edges.append((from, to)) }
            }
        }
        let full = DAGPicture(nodes: nodes, edges: edges)
        let tests = Set(tasks.indices.filter { graph[tasks[$0].taskID]?.isCheck == true })
        guard !showTests, !tests.isEmpty else { return (full.reduced(), .empty) }
        let failed = Set(tests.filter { tasks[$0].state == .failed })
        let toggle = WebPath(segments: ["run", run.id], query: [("tests", "all")])
        return (full.simplified(hiding: tests, failed: failed),
                "<p class=\"muted\">\(tests.count) data tests are folded into the nodes they test, here and in the timeline (\(failed.count) failed); <a href=\"\(href: toggle)\">draw them</a>.</p>")
    }

    /// The colour a task gets: a task waiting for or running its next attempt after a failed one is `retried`.
    static func displayState(_ t: StoredTaskRun) -> String {
        let failedBefore = t.attempts.contains { $0.status != .running && $0.status != .succeeded }
        return !t.state.isFinal && failedBefore ? "retried" : t.state.rawValue
    }

    static func note(_ t: StoredTaskRun) -> String? {
        let duration = t.workDuration().map { Terminal.seconds($0) }
        switch t.attempts.count {
        case 0: return nil
        case 1: return duration.map { "\(t.state.rawValue.replacingOccurrences(of: "_", with: " ")) · \($0)" }
        case let n: return "\(t.state.rawValue.replacingOccurrences(of: "_", with: " ")) · \(n) attempts" + (duration.map { " · \($0)" } ?? "")
        }
    }

    /// What a command printed reaches its log file as printed (the file is 0600); what orch stored is masked already.
    /// The web view masks log text with the secrets it can know: those of its own environment for that pipeline.
    func secrets(_ run: StoredRun) -> SecretMask {
        PipelineRunner.secrets(variables: context.environment.variables, pipelineFile: run.pipelineFile)
    }

    func taskTable(run: StoredRun, tasks: [StoredTaskRun], now: Date) -> HTML {
        let time = context.time, secrets = secrets(run)
        let rows = tasks.map { t -> HTML in
            let attempts = t.attempts.map { a -> HTML in
                // The stored tail was masked with the run's own secrets; the file's only with what this server knows.
                let tail = a.logTail.flatMap { $0.isEmpty ? nil : $0 } ?? secrets.apply(AttemptLog.tail(of: a.logPath, lines: 40))
                let log = WebPath("run", run.id, "log", t.taskID, String(a.attempt))
                return """
                <details\(HTML(trusted: a.status == .succeeded ? "" : " open"))><summary>attempt \(a.attempt): \(Layout.badge(a.status.rawValue)) \
                started \(time.clock(a.startedAt)), \(Terminal.seconds(a.durationMs.map { Double($0) / 1000 } ?? (a.finishedAt ?? now).timeIntervalSince(a.startedAt)))\
                \(a.errorClass.map { c -> HTML in " · \(c.rawValue)" } ?? .empty)\(a.exitCode.map { c -> HTML in " · exit \(c)" } ?? .empty)</summary>
                \(a.error.map { e -> HTML in "<pre>\(e)</pre>" } ?? .empty)
                <pre>\(tail.isEmpty ? "(no output)" : tail)</pre>
                <a href="\(href: log)">whole log</a> <span class="muted">\(a.logPath)</span></details>
                """
            }
            return """
            <tr id="task-\(WebPath.encode(t.taskID))"><td><code>\(t.taskID)</code></td><td>\(Layout.badge(Self.displayState(t)))</td>
            <td class="num">\(t.attemptCount)</td><td>\(t.startedAt.map { time.clock($0) } ?? "-")</td>
            <td class="num">\(Terminal.seconds(t.workDuration(now: now)))</td><td>\(t.message ?? "")\(attempts)</td></tr>
            """
        }
        return """
        <table id="tasks"><thead><tr><th>task</th><th>state</th><th class="num">attempts</th><th>started</th><th class="num">work</th>
        <th>message and attempts</th></tr></thead><tbody>\(rows)</tbody></table>
        """
    }

    /// The limit on one log file sent whole; a longer one is sent as its last part, saying so.
    static let maxLogBytes = 32 << 20

    /// `/run/ID/log/TASK/N`: the attempt's whole log as plain text (the path comes from the store, never from the request).
    func log(id: String, task: String, attempt: Int) async throws -> Response {
        let detail = try await detail(id)
        guard let t = detail.tasks.first(where: { $0.taskID == task }), let a = t.attempts.first(where: { $0.attempt == attempt }) else {
            throw PageNotFound(what: "run `\(detail.run.id)` has no attempt \(attempt) of task `\(task)`")
        }
        guard let handle = FileHandle(forReadingAtPath: a.logPath) else {
            return Layout.text("(no log file at \(a.logPath); the lines the store kept follow)\n\n" + (a.logTail ?? ""))
        }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > UInt64(Self.maxLogBytes) ? size - UInt64(Self.maxLogBytes) : 0
        try handle.seek(toOffset: start)
        let data = try handle.readToEnd() ?? Data()
        let note = start > 0 ? "(the first \(start) bytes of \(a.logPath) are left out; the file is \(size) bytes)\n" : ""
        return Layout.text(note + secrets(detail.run).apply(String(decoding: data, as: UTF8.self)))
    }
}
