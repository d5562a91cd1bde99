import Foundation
import Synchronization
import OrchSpec

/// A `RunStore` and `TickStore` in memory, for tests that need no database
/// (as Hummingbird's `MemoryPersistDriver`). It keeps the Postgres store's
/// rules, not a stub: owner tokens, the status transitions of
/// `RunStatusTransition`, refusals, the crash sweep and tick claims. State
/// is guarded by one lock, so every method is one atomic step, as one
/// Postgres transaction is. Time comes from `now`, so tests can move it.
public final class InMemoryRunStore: Sendable {
    struct RunRow: Sendable {
        var run: StoredRun
        var ownerToken: String?
        var ownerProcess: String?
        var heartbeatAt: Date?
    }

    struct TaskRow: Sendable {
        var task: StoredTaskRun
        /// Each attempt's output facts (with its summary), as `outputs(run:)` reads them.
        var outputs: [Int: [String: String]] = [:]
    }

    struct TestRow: Sendable {
        var attempt: Int
        var result: StoredTestResult
    }

    struct LineageRow: Sendable, Hashable {
        var run: String
        var task: String
        var source: String
        var target: String
        var producedAt: Date
    }

    struct TickRow: Sendable {
        var tick: StoredTick
        var claimedBy: String
        var claimedAt: Date
    }

    struct State: Sendable {
        var runs: [String: RunRow] = [:]
        var tasks: [String: [String: TaskRow]] = [:]
        var tests: [String: [String: TestRow]] = [:]
        var lineage: Set<LineageRow> = []
        var ticks: [String: [Date: TickRow]] = [:]
        var pauses: [String: SchedulePause] = [:]
    }

    let state = Mutex(State())
    let clock: @Sendable () -> Date

    /// - Parameter now: the store's clock (heartbeats, expiries, claim times).
    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.clock = now
    }

    /// Runs `body` on the run if `token` owns it and it is running (see `RunStore`).
    func owned(_ run: String, _ token: String, _ body: (inout State) -> Void) throws {
        try state.withLock { s in
            guard let row = s.runs[run], row.ownerToken == token, row.run.status == .active else { throw RunWriteRefused(run: run) }
            body(&s)
        }
    }
}

extension InMemoryRunStore: RunStore {
    public func start(_ info: RunInfo) async throws {
        let now = clock()
        try state.withLock { s in
            if var row = s.runs[info.id] {
                guard row.ownerToken == info.owner.token, row.run.status == .active else { throw RunWriteRefused(run: info.id) }
                row.run.host = info.host
                row.run.pid = Int(info.pid)
                row.ownerProcess = info.owner.stamp?.description
                row.heartbeatAt = now
                s.runs[info.id] = row
            } else {
                s.runs[info.id] = RunRow(run: Self.record(info, status: .active, message: nil, finishedAt: nil),
                                         ownerToken: info.owner.token, ownerProcess: info.owner.stamp?.description, heartbeatAt: now)
            }
            for (position, task) in info.tasks.enumerated() where s.tasks[info.id]?[task] == nil {
                s.tasks[info.id, default: [:]][task] = TaskRow(task: StoredTaskRun(
                    taskID: task, position: position, state: .pending, message: nil, attemptCount: 0,
                    startedAt: nil, finishedAt: nil, attempts: []))
            }
        }
    }

    public func setTaskState(run: String, token: String, task: String, state newState: TaskState, at: Date, message: String?) async throws {
        try owned(run, token) { s in
            guard var t = s.tasks[run]?[task]?.task else { return }
            if newState == .running { t.startedAt = t.startedAt ?? at }
            // A success recorded twice keeps its first end.
            if !(t.state == .succeeded && newState == .succeeded) { t.finishedAt = newState.isFinal ? at : nil }
            t.state = newState
            t.message = message
            s.tasks[run]?[task]?.task = t
        }
    }

    public func startAttempt(run: String, token: String, task: String, attempt: Int, at: Date, logPath: String) async throws {
        try owned(run, token) { s in
            guard var t = s.tasks[run]?[task]?.task else { return }
            if let i = t.attempts.firstIndex(where: { $0.attempt == attempt }) {
                t.attempts[i].status = .running
                t.attempts[i].startedAt = at
            } else {
                t.attempts.append(StoredAttempt(attempt: attempt, status: .running, startedAt: at, finishedAt: nil, durationMs: nil,
                                                errorClass: nil, error: nil, exitCode: nil, logPath: logPath, logTail: nil,
                                                processGroup: nil, processStamp: nil))
                t.attempts.sort { $0.attempt < $1.attempt }
            }
            t.attemptCount = max(t.attemptCount, attempt)
            s.tasks[run]?[task]?.task = t
        }
    }

    public func recordProcess(run: String, token: String, task: String, attempt: Int, processGroup: Int32, leader: ProcessStamp?) async throws {
        try owned(run, token) { s in
            s.updateAttempt(run, task, attempt) {
                $0.processGroup = Int(processGroup)
                $0.processStamp = leader?.description
            }
        }
    }

    public func finishAttempt(run: String, token: String, _ r: AttemptRecord) async throws {
        let now = clock()
        try owned(run, token) { s in
            s.updateAttempt(run, r.task, r.attempt) {
                $0.status = r.status
                $0.finishedAt = r.finishedAt
                $0.durationMs = Int(r.duration.wholeMilliseconds)
                $0.errorClass = r.errorClass
                $0.error = r.error
                $0.exitCode = r.exitCode.map(Int.init)
                $0.logTail = r.logTail
            }
            guard let output = r.output, s.tasks[run]?[r.task] != nil else { return }
            s.tasks[run]?[r.task]?.outputs[r.attempt] = output.facts.merging(["summary": output.summary ?? ""]) { a, _ in a }
            if let t = output.testResult, s.tests[run]?["\(r.task)#\(r.attempt)"] == nil {
                s.tests[run, default: [:]]["\(r.task)#\(r.attempt)"] = TestRow(attempt: r.attempt, result: StoredTestResult(
                    runID: run, taskID: r.task, result: t, recordedAt: now))
            }
            if r.status == .succeeded {
                for e in output.lineage where !s.lineage.contains(where: { $0.run == run && $0.task == r.task && $0.source == e.source && $0.target == e.target }) {
                    s.lineage.insert(LineageRow(run: run, task: r.task, source: e.source, target: e.target, producedAt: r.finishedAt))
                }
            }
        }
    }

    public func finish(run: String, token: String, status: RunStatus, at: Date, message: String?) async throws {
        try state.withLock { s in
            guard var row = s.runs[run], row.ownerToken == token,
                  RunStatusTransition.finish.allows(from: row.run.status, to: status) else { throw RunWriteRefused(run: run) }
            row.run.status = status
            row.run.finishedAt = at
            row.run.message = message
            row.ownerToken = nil
            s.runs[run] = row
        }
    }

    public func recordNotStarted(_ info: RunInfo, message: String) async throws {
        let now = clock()
        state.withLock { s in
            guard s.runs[info.id] == nil else { return }
            s.runs[info.id] = RunRow(run: Self.record(info, status: .failed, message: message, finishedAt: now))
        }
    }

    static func record(_ info: RunInfo, status: RunStatus, message: String?, finishedAt: Date?) -> StoredRun {
        StoredRun(id: info.id, pipeline: info.pipeline, pipelineFile: info.pipelineFile, trigger: info.trigger.text,
                  logicalTime: info.logicalTime, params: info.params, specHash: info.specHash, status: status, message: message,
                  host: info.host, pid: Int(info.pid), runDirectory: info.directory, startedAt: info.startedAt,
                  finishedAt: finishedAt, taskCounts: [:])
    }
}

extension InMemoryRunStore.State {
    mutating func updateAttempt(_ run: String, _ task: String, _ attempt: Int, _ change: (inout StoredAttempt) -> Void) {
        guard let i = tasks[run]?[task]?.task.attempts.firstIndex(where: { $0.attempt == attempt }) else { return }
        change(&tasks[run]![task]!.task.attempts[i])
    }

    /// The run with its task counts, as `list` and `detail` read it.
    func stored(_ id: String) -> StoredRun? {
        guard var run = runs[id]?.run else { return nil }
        run.taskCounts = Dictionary(grouping: (tasks[id] ?? [:]).values, by: \.task.state).mapValues(\.count)
        return run
    }
}
