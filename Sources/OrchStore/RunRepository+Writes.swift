import Foundation
import OrchExecution
import OrchSpec
import PostgresNIO

/// The owner's writes, each on a connection it is given: one at a time
/// (`setTaskState`, …, each in its own transaction) or many in one
/// transaction (`record`, the recorder's group commit).
extension RunRepository {
    /// A batch of a run's events in one transaction: one ownership check, one
    /// commit. A run's first event creates its row (nothing to own before it),
    /// so it is written first, on its own. All or nothing: a batch that
    /// fails is written again whole, or (see `StoreRecorder`) event by event.
    public func record(_ events: [RunEvent], run: String, token: String) async throws {
        var rest = events[...]
        while case let .runStarted(info)? = rest.first {
            try await start(info)
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty else { return }
        guard !rest.contains(where: \.isRunStart) else {
            // Never emitted by the executor; kept correct anyway.
            for event in rest { try await record([event], run: run, token: token) }
            return
        }
        let owned = Array(rest)
        if let batch = EventBatch(owned) {
            try await self.owned(run, token) { c in try await batch.write(on: c, repository: self, run: run, token: token) }
            return
        }
        try await self.owned(run, token) { c in
            let writer = TransactionWriter(repository: self, connection: c, run: run, token: token)
            for event in owned { try await event.write(to: writer) }
        }
    }

    func writeTaskState(on c: PostgresConnection, run: String, task: String, state: TaskState, at: Date, message: String?) async throws {
        try await c.query("""
        UPDATE orch.task_runs SET state = \(state.rawValue), message = \(message),
            started_at = CASE WHEN \(state == .running) THEN coalesce(started_at, \(at)) ELSE started_at END,
            finished_at = CASE WHEN state = \(TaskState.succeeded.rawValue) AND \(state == .succeeded) THEN finished_at
                               WHEN \(state.isFinal) THEN \(at) ELSE NULL END
        WHERE run_id = \(run) AND task_id = \(task)
        """, logger: store.logger)
    }

    func writeAttemptStart(on c: PostgresConnection, run: String, task: String, attempt: Int, at: Date, logPath: String) async throws {
        try await c.query("""
        INSERT INTO orch.attempts (run_id, task_id, attempt, status, started_at, log_path)
        VALUES (\(run), \(task), \(attempt), \(AttemptStatus.running.rawValue), \(at), \(logPath))
        ON CONFLICT (run_id, task_id, attempt) DO UPDATE SET status = excluded.status, started_at = excluded.started_at
        """, logger: store.logger)
        try await c.query("UPDATE orch.task_runs SET attempts = greatest(attempts, \(attempt)) WHERE run_id = \(run) AND task_id = \(task)",
                          logger: store.logger)
    }

    func writeProcess(on c: PostgresConnection, run: String, task: String, attempt: Int, processGroup: Int32,
                      leader: ProcessStamp?) async throws {
        try await c.query("""
        UPDATE orch.attempts SET process_group = \(Int(processGroup)), process_stamp = \(leader?.description)
        WHERE run_id = \(run) AND task_id = \(task) AND attempt = \(attempt)
        """, logger: store.logger)
    }

    func writeAttemptEnd(on c: PostgresConnection, run: String, _ r: AttemptRecord) async throws {
        let output = r.output.map { jsonObject($0.facts.merging(["summary": $0.summary ?? ""]) { a, _ in a }) }
        let exitCode = r.exitCode.map(Int.init)
        let durationMs = Int(r.duration.wholeMilliseconds)
        try await c.query("""
        UPDATE orch.attempts SET status = \(r.status.rawValue), finished_at = \(r.finishedAt), duration_ms = \(durationMs),
            error_class = \(r.errorClass?.rawValue), error = \(r.error), exit_code = \(exitCode), log_tail = \(r.logTail),
            output = \(output)::jsonb
        WHERE run_id = \(run) AND task_id = \(r.task) AND attempt = \(r.attempt)
        """, logger: store.logger)
        try await writeAttemptExtras(on: c, run: run, r)
    }

    /// A finished attempt's data-test result and, for a success, its lineage edges.
    func writeAttemptExtras(on c: PostgresConnection, run: String, _ r: AttemptRecord) async throws {
        guard let output = r.output else { return }
        if let t = output.testResult {
            try await c.query("""
            INSERT INTO orch.test_results (run_id, task_id, attempt, test_name, test_type, model, column_name, severity, status,
                                           failing_rows, sample_rows, sql, message)
            VALUES (\(run), \(r.task), \(r.attempt), \(t.test), \(t.testType), \(t.model), \(t.column), \(t.severity.rawValue),
                    \(t.status.rawValue), \(t.failingRows), \(t.sampleRows)::jsonb, \(t.sql), \(t.message))
            ON CONFLICT (run_id, task_id, attempt) DO NOTHING
            """, logger: store.logger)
        }
        if r.status == .succeeded, !output.lineage.isEmpty {
            try await c.query("""
            INSERT INTO orch.lineage (run_id, task_id, source, target, produced_at)
            SELECT \(run), \(r.task), e.source, e.target, \(r.finishedAt)
            FROM unnest(\(output.lineage.map(\.source))::text[], \(output.lineage.map(\.target))::text[]) AS e(source, target)
            ON CONFLICT DO NOTHING
            """, logger: store.logger)
        }
    }

    /// The run's end: only a status the owner may end its run in, from one it may end it from.
    func writeRunEnd(on c: PostgresConnection, run: String, token: String, status: RunStatus, at: Date, message: String?) async throws {
        guard RunStatusTransition.finish.to.contains(status) else { throw RunWriteRefused(run: run) }
        let rows = try await c.query("""
        UPDATE orch.runs SET status = \(status.rawValue), finished_at = \(at), message = \(message), owner_token = NULL
        WHERE id = \(run) AND owner_token = \(token) AND status IN \(unescaped: RunStatus.sqlList(RunStatusTransition.finish.from))
        RETURNING 1
        """, logger: store.logger)
        var written = false
        for try await _ in rows { written = true }
        guard written else { throw RunWriteRefused(run: run) }
    }
}

/// The owner's writes on one transaction's connection (ownership already checked).
struct TransactionWriter: RunEventWriter {
    var repository: RunRepository
    var connection: PostgresConnection
    var run: String
    var token: String

    func start(_ info: RunInfo) async throws {
        // A run's row is written by `RunRepository.start`, outside any batch.
        throw RunWriteRefused(run: info.id)
    }
    func setTaskState(task: String, state: TaskState, at: Date, message: String?) async throws {
        try await repository.writeTaskState(on: connection, run: run, task: task, state: state, at: at, message: message)
    }
    func startAttempt(task: String, attempt: Int, at: Date, logPath: String) async throws {
        try await repository.writeAttemptStart(on: connection, run: run, task: task, attempt: attempt, at: at, logPath: logPath)
    }
    func recordProcess(task: String, attempt: Int, processGroup: Int32, leader: ProcessStamp?) async throws {
        try await repository.writeProcess(on: connection, run: run, task: task, attempt: attempt, processGroup: processGroup, leader: leader)
    }
    func finishAttempt(_ record: AttemptRecord) async throws {
        try await repository.writeAttemptEnd(on: connection, run: run, record)
    }
    func finish(status: RunStatus, at: Date, message: String?) async throws {
        try await repository.writeRunEnd(on: connection, run: run, token: token, status: status, at: at, message: message)
    }
}
