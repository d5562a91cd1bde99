import Foundation
import OrchExecution
import OrchSpec
import PostgresNIO

/// A batch of one run's events folded into a few multi-row statements, each
/// fed one JSON document (`jsonb_to_recordset`): however many tasks moved,
/// a batch costs at most five round trips, not two or three per event. The
/// statements run in the order an attempt's life has (start, process, end),
/// and each task's state changes are folded to the row the same changes one
/// by one would leave (`RunRepository.writeTaskState`). Each row is written
/// once per batch: an attempt that starts and ends in the batch is inserted
/// finished (with its process), and a task's attempt count goes with its
/// state, so a short task costs the server two row versions, not four.
struct EventBatch: Sendable {
    struct TaskRow: Sendable {
        var task: String
        var state: String
        var message: String?
        /// The first `running` in the batch: the task's start unless it had one.
        var started_at: Double?
        var finished_at: Double?
        /// A success after a success the store holds keeps the stored end (a resumed run says so again).
        var keep_stored_end: Bool
        /// The batch only started an attempt of it: the state stays as stored.
        var state_unchanged = false
        /// The highest attempt started in the batch.
        var attempt: Int?
    }

    struct AttemptKey: Hashable { var task: String; var attempt: Int }

    /// An attempt started in the batch, with its end and its process when they are in the batch too.
    struct AttemptStart: Sendable {
        var task: String
        var attempt: Int
        var started_at: Double
        var log_path: String
        var ending: AttemptEnd?
        var process: AttemptProcess?
    }

    struct AttemptProcess: Sendable {
        var task: String
        var attempt: Int
        var process_group: Int
        var process_stamp: String?
    }

    struct AttemptEnd: Sendable {
        var task: String
        var attempt: Int
        var status: String
        var finished_at: Double
        var duration_ms: Int
        var error_class: String?
        var error: String?
        var exit_code: Int?
        var log_tail: String
        var output: [String: String]?
    }

    private(set) var tasks: [TaskRow] = []
    private(set) var starts: [AttemptStart] = []
    private(set) var processes: [AttemptProcess] = []
    private(set) var ends: [AttemptEnd] = []
    /// Finished attempts with a test result or lineage edges: written one by one (few, and each its own shape).
    private(set) var extras: [AttemptRecord] = []
    private(set) var runEnd: (status: RunStatus, at: Date, message: String?)?

    /// Nil when the events cannot be folded (a run's start, or anything after its end): write them one by one.
    init?(_ events: some Sequence<RunEvent>) {
        var taskIndex: [String: Int] = [:]
        var startIndex: [AttemptKey: Int] = [:]
        for event in events {
            guard runEnd == nil else { return nil }
            switch event {
            case .runStarted:
                return nil
            case let .taskStateChanged(task, state, at, message):
                let seconds = at.timeIntervalSince1970
                if let i = taskIndex[task], !tasks[i].state_unchanged {
                    let previous = tasks[i].state
                    tasks[i].state = state.rawValue
                    tasks[i].message = message
                    if state == .running, tasks[i].started_at == nil { tasks[i].started_at = seconds }
                    if state == .succeeded && previous == TaskState.succeeded.rawValue {
                        // The end already folded in stands, as the store's would.
                    } else {
                        tasks[i].finished_at = state.isFinal ? seconds : nil
                        tasks[i].keep_stored_end = false
                    }
                } else {
                    // A row that only counted an attempt so far becomes a state change, as if this came first.
                    let counted = taskIndex[task].map { tasks[$0].attempt } ?? nil
                    let row = TaskRow(task: task, state: state.rawValue, message: message,
                                      started_at: state == .running ? seconds : nil,
                                      finished_at: state.isFinal ? seconds : nil,
                                      keep_stored_end: state == .succeeded, attempt: counted)
                    if let i = taskIndex[task] { tasks[i] = row } else {
                        taskIndex[task] = tasks.count
                        tasks.append(row)
                    }
                }
            case let .attemptStarted(task, attempt, at, logPath):
                startIndex[AttemptKey(task: task, attempt: attempt)] = starts.count
                starts.append(AttemptStart(task: task, attempt: attempt, started_at: at.timeIntervalSince1970, log_path: logPath))
                if let i = taskIndex[task] {
                    tasks[i].attempt = max(tasks[i].attempt ?? 0, attempt)
                } else {
                    taskIndex[task] = tasks.count
                    tasks.append(TaskRow(task: task, state: "", keep_stored_end: false, state_unchanged: true, attempt: attempt))
                }
            case let .attemptProcessStarted(task, attempt, group, leader):
                let process = AttemptProcess(task: task, attempt: attempt, process_group: Int(group), process_stamp: leader?.description)
                if let i = startIndex[AttemptKey(task: task, attempt: attempt)], starts[i].ending == nil {
                    starts[i].process = process
                } else {
                    processes.append(process)
                }
            case let .attemptFinished(r):
                let end = AttemptEnd(task: r.task, attempt: r.attempt, status: r.status.rawValue,
                                       finished_at: r.finishedAt.timeIntervalSince1970,
                                       duration_ms: Int(r.duration.wholeMilliseconds), error_class: r.errorClass?.rawValue,
                                       error: r.error, exit_code: r.exitCode.map(Int.init), log_tail: r.logTail,
                                       output: r.output.map { $0.facts.merging(["summary": $0.summary ?? ""]) { a, _ in a } })
                if let i = startIndex[AttemptKey(task: r.task, attempt: r.attempt)] { starts[i].ending = end } else { ends.append(end) }
                if let output = r.output, output.testResult != nil || (r.status == .succeeded && !output.lineage.isEmpty) {
                    extras.append(r)
                }
            case .retryScheduled:
                break
            case let .runFinished(status, at, message):
                runEnd = (status, at, message)
            }
        }
    }

    /// An attempt's end columns on a conflicting insert: a row that only
    /// starts the attempt (still running) keeps what the stored row holds,
    /// as a start alone would; a finished one takes its own.
    private static let endColumnsOnConflict = ["finished_at", "duration_ms", "error_class", "error", "exit_code", "log_tail", "output"]
        .map { "\($0) = CASE WHEN excluded.status = '\(AttemptStatus.running.rawValue)' THEN a.\($0) ELSE excluded.\($0) END" }
        .joined(separator: ",\n    ")

    /// The tasks a statement touches, named again beside its document: with
    /// `task_id = ANY(…)` the primary key finds just those rows, whatever the
    /// planner believes of the run's size. (Joined to the document alone, a
    /// 10,000-task run was hashed whole for every batch: 7 ms a batch, most
    /// of the server's time.)
    private static func names(_ tasks: [String]) -> [String] {
        Array(Set(tasks))
    }

    /// Writes the batch on `c`, a transaction whose ownership is already checked.
    func write(on c: PostgresConnection, repository: RunRepository, run: String, token: String) async throws {
        let logger = repository.store.logger
        if !starts.isEmpty {
            // Started, and perhaps finished too: a running row keeps what a conflicting row holds, as a start alone would.
            try await c.query("""
            INSERT INTO orch.attempts AS a (run_id, task_id, attempt, status, started_at, log_path, finished_at, duration_ms,
                                            error_class, error, exit_code, log_tail, output, process_group, process_stamp)
            SELECT \(run), u.task, u.attempt, coalesce(u.ending ->> 'status', \(AttemptStatus.running.rawValue)), to_timestamp(u.started_at),
                   u.log_path, to_timestamp((u.ending ->> 'finished_at')::float8), (u.ending ->> 'duration_ms')::int, u.ending ->> 'error_class',
                   u.ending ->> 'error', (u.ending ->> 'exit_code')::int, u.ending ->> 'log_tail', u.ending -> 'output',
                   (u.process ->> 'process_group')::int, u.process ->> 'process_stamp'
            FROM jsonb_to_recordset(\(Self.document(starts))::jsonb)
                 AS u(task text, attempt int, started_at float8, log_path text, ending jsonb, process jsonb)
            ON CONFLICT (run_id, task_id, attempt) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
                \(unescaped: Self.endColumnsOnConflict),
                process_group = CASE WHEN excluded.process_group IS NULL THEN a.process_group ELSE excluded.process_group END,
                process_stamp = CASE WHEN excluded.process_group IS NULL THEN a.process_stamp ELSE excluded.process_stamp END
            """, logger: logger)
        }
        if !tasks.isEmpty {
            try await c.query("""
            UPDATE orch.task_runs t SET
                state = CASE WHEN u.state_unchanged THEN t.state ELSE u.state END,
                message = CASE WHEN u.state_unchanged THEN t.message ELSE u.message END,
                started_at = coalesce(t.started_at, to_timestamp(u.started_at)),
                finished_at = CASE WHEN u.state_unchanged OR (u.keep_stored_end AND t.state = \(TaskState.succeeded.rawValue))
                                   THEN t.finished_at ELSE to_timestamp(u.finished_at) END,
                attempts = greatest(t.attempts, coalesce(u.attempt, 0))
            FROM jsonb_to_recordset(\(Self.document(tasks))::jsonb)
                 AS u(task text, state text, message text, started_at float8, finished_at float8, keep_stored_end bool,
                      state_unchanged bool, attempt int)
            WHERE t.run_id = \(run) AND t.task_id = ANY(\(Self.names(tasks.map(\.task)))) AND t.task_id = u.task
            """, logger: logger)
        }
        if !processes.isEmpty {
            try await c.query("""
            UPDATE orch.attempts a SET process_group = u.process_group, process_stamp = u.process_stamp
            FROM jsonb_to_recordset(\(Self.document(processes))::jsonb)
                 AS u(task text, attempt int, process_group int, process_stamp text)
            WHERE a.run_id = \(run) AND a.task_id = ANY(\(Self.names(processes.map(\.task)))) AND a.task_id = u.task AND a.attempt = u.attempt
            """, logger: logger)
        }
        if !ends.isEmpty {
            try await c.query("""
            UPDATE orch.attempts a SET status = u.status, finished_at = to_timestamp(u.finished_at), duration_ms = u.duration_ms,
                error_class = u.error_class, error = u.error, exit_code = u.exit_code, log_tail = u.log_tail, output = u.output
            FROM jsonb_to_recordset(\(Self.document(ends))::jsonb)
                 AS u(task text, attempt int, status text, finished_at float8, duration_ms int, error_class text, error text,
                      exit_code int, log_tail text, output jsonb)
            WHERE a.run_id = \(run) AND a.task_id = ANY(\(Self.names(ends.map(\.task)))) AND a.task_id = u.task AND a.attempt = u.attempt
            """, logger: logger)
        }
        for record in extras { try await repository.writeAttemptExtras(on: c, run: run, record) }
        if let runEnd {
            try await repository.writeRunEnd(on: c, run: run, token: token, status: runEnd.status, at: runEnd.at, message: runEnd.message)
        }
    }
}
