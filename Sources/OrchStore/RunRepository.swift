import Foundation
import OrchExecution
import PostgresNIO
import OrchSpec

/// Reads and writes runs, task runs and attempts. Every write is one short
/// statement (or one transaction) so that each transition lands as it happens.
public struct RunRepository: RunStore {
    let store: Store
    var client: BookkeepingClient { BookkeepingClient(pool: store.client) }

    // MARK: writes (each refused with `RunWriteRefused` unless `token` owns the run and it is running)

    /// Records a new run with all its tasks pending, or (for a run resumed by
    /// `reopen`, which took it over with this token) adds tasks it did not have.
    public func start(_ info: RunInfo) async throws {
        let params = jsonObject(info.params)
        let positions = info.tasks.indices.map { $0 }
        try await client.withTransaction(logger: store.logger) { c in
            let rows = try await c.query("""
            INSERT INTO orch.runs (id, pipeline, pipeline_file, trigger, logical_time, params, spec_hash, status,
                                   host, pid, run_dir, started_at, heartbeat_at, owner_token, owner_process)
            VALUES (\(info.id), \(info.pipeline), \(info.pipelineFile), \(info.trigger.text), \(info.logicalTime),
                    \(params)::jsonb, \(info.specHash), \(unescaped: RunStatus.active.sql), \(info.host), \(Int(info.pid)), \(info.directory),
                    \(info.startedAt), now(), \(info.owner.token), \(info.owner.stamp?.description))
            ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, owner_process = excluded.owner_process,
                heartbeat_at = now()
            WHERE orch.runs.owner_token = excluded.owner_token AND orch.runs.status = \(unescaped: RunStatus.active.sql)
            RETURNING 1
            """, logger: store.logger)
            var written = false
            for try await _ in rows { written = true }
            guard written else { throw RunWriteRefused(run: info.id) }
            try await c.query("""
            INSERT INTO orch.task_runs (run_id, task_id, position, state)
            SELECT \(info.id), t.task_id, t.position, \(TaskState.pending.rawValue)
            FROM unnest(\(info.tasks)::text[], \(positions)::int[]) AS t(task_id, position)
            ON CONFLICT (run_id, task_id) DO NOTHING
            """, logger: store.logger)
        }
    }

    public func setTaskState(run: String, token: String, task: String, state: TaskState, at: Date, message: String?) async throws {
        try await owned(run, token) { c in
            try await writeTaskState(on: c, run: run, task: task, state: state, at: at, message: message)
        }
    }

    public func startAttempt(run: String, token: String, task: String, attempt: Int, at: Date, logPath: String) async throws {
        try await owned(run, token) { c in
            try await writeAttemptStart(on: c, run: run, task: task, attempt: attempt, at: at, logPath: logPath)
        }
    }

    /// Where a command attempt's process group is, so `orch retry` can stop what is left of it.
    public func recordProcess(run: String, token: String, task: String, attempt: Int, processGroup: Int32, leader: ProcessStamp?) async throws {
        try await owned(run, token) { c in
            try await writeProcess(on: c, run: run, task: task, attempt: attempt, processGroup: processGroup, leader: leader)
        }
    }

    /// Records the end of an attempt with its data test result and, for a success, its lineage edges.
    public func finishAttempt(run: String, token: String, _ r: AttemptRecord) async throws {
        try await owned(run, token) { c in try await writeAttemptEnd(on: c, run: run, r) }
    }

    /// The run's end; the owner lets go of it (a finished run has no owner to wait for).
    public func finish(run: String, token: String, status: RunStatus, at: Date, message: String?) async throws {
        try await client.withConnection { c in
            try await writeRunEnd(on: c, run: run, token: token, status: status, at: at, message: message)
        }
    }

    /// Records a run that could not start (a scheduled tick whose pipeline
    /// did not load, whose template names an unset variable, …) as failed
    /// with the reason, so that `orch status`, reports and alerts see it.
    /// It has no tasks and no owner. Writing it again changes nothing.
    public func recordNotStarted(_ info: RunInfo, message: String) async throws {
        try await client.query("""
        INSERT INTO orch.runs (id, pipeline, pipeline_file, trigger, logical_time, params, spec_hash, status, message,
                               host, pid, run_dir, started_at, finished_at)
        VALUES (\(info.id), \(info.pipeline), \(info.pipelineFile), \(info.trigger.text), \(info.logicalTime),
                \(jsonObject(info.params))::jsonb, \(info.specHash), \(RunStatus.failed.rawValue), \(message), \(info.host), \(Int(info.pid)),
                \(info.directory), \(info.startedAt), now())
        ON CONFLICT (id) DO NOTHING
        """, logger: store.logger)
    }

    /// Runs `body` in a transaction that holds the run's row shared, if
    /// `token` owns the run and it is running: a takeover (`reopen`) or the
    /// crash sweep updates that row, so it waits for writes in flight and
    /// every later write of the old owner is refused.
    @discardableResult
    func owned<T: Sendable>(_ run: String, _ token: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withTransaction(logger: store.logger) { c in
            let rows = try await c.query("""
            SELECT 1 FROM orch.runs WHERE id = \(run) AND owner_token = \(token) AND status = \(unescaped: RunStatus.active.sql) FOR SHARE
            """, logger: store.logger)
            var mine = false
            for try await _ in rows { mine = true }
            guard mine else { throw RunWriteRefused(run: run) }
            return try await body(c)
        }
    }

    // MARK: reads

    /// Recent runs, newest first, with task counts (served by the started_at indexes).
    public func list(_ filter: RunFilter, limit: Int) async throws -> [StoredRun] {
        let rows = try await client.query("""
        SELECT r.id, r.pipeline, r.pipeline_file, r.trigger, r.logical_time, r.params::text, r.spec_hash, r.status,
               r.message, r.host, r.pid, r.run_dir, r.started_at, r.finished_at,
               coalesce((SELECT json_object_agg(state, n)::text FROM
                   (SELECT state, count(*) AS n FROM orch.task_runs t WHERE t.run_id = r.id GROUP BY state) s), '{}'),
               r.resumed_at, r.earlier_ms
        FROM orch.runs r
        \(where: filter)
        ORDER BY r.started_at DESC, r.id DESC
        LIMIT \(limit)
        """, logger: store.logger)
        var runs: [StoredRun] = []
        for try await row in rows {
            runs.append(try decodeRun(row))
        }
        return runs
    }

    public func count(_ filter: RunFilter) async throws -> Int {
        let rows = try await client.query("""
        SELECT count(*)::int8 FROM orch.runs r
        \(where: filter)
        """, logger: store.logger)
        for try await n in rows.decode(Int64.self) { return Int(n) }
        return 0
    }

    /// Finds a run by id or unique id prefix.
    /// - Throws: `StoreError` when none or several match.
    public func resolve(_ idOrPrefix: String) async throws -> String {
        let rows = try await client.query("""
        SELECT id FROM orch.runs WHERE id = \(idOrPrefix)
        UNION ALL
        (SELECT id FROM orch.runs WHERE id LIKE \(idOrPrefix + "%") AND id <> \(idOrPrefix) ORDER BY id DESC LIMIT 5)
        """, logger: store.logger)
        var ids: [String] = []
        for try await id in rows.decode(String.self) { ids.append(id) }
        return try RunStoreError.resolve(idOrPrefix, among: ids)
    }

    /// The run with all tasks and attempts, or nil.
    public func detail(_ id: String) async throws -> StoredRunDetail? {
        let runRows = try await client.query("""
        SELECT r.id, r.pipeline, r.pipeline_file, r.trigger, r.logical_time, r.params::text, r.spec_hash, r.status,
               r.message, r.host, r.pid, r.run_dir, r.started_at, r.finished_at,
               coalesce((SELECT json_object_agg(state, n)::text FROM
                   (SELECT state, count(*) AS n FROM orch.task_runs t WHERE t.run_id = r.id GROUP BY state) s), '{}'),
               r.resumed_at, r.earlier_ms
        FROM orch.runs r WHERE r.id = \(id)
        """, logger: store.logger)
        var run: StoredRun?
        for try await row in runRows { run = try decodeRun(row) }
        guard let run else { return nil }

        // Runs, then tasks, then attempts, each statement its own snapshot: a final state is written
        // attempt first, then task, then run, so what a read here calls final is final below it too
        // (a task read as succeeded has its last attempt finished, with its log tail).
        var taskRows: [(String, Int, String, String?, Int, Date?, Date?)] = []
        let taskQuery = try await client.query("""
        SELECT task_id, position, state, message, attempts, started_at, finished_at
        FROM orch.task_runs WHERE run_id = \(id) ORDER BY position
        """, logger: store.logger)
        for try await row in taskQuery.decode((String, Int, String, String?, Int, Date?, Date?).self) { taskRows.append(row) }

        var attempts: [String: [StoredAttempt]] = [:]
        let attemptRows = try await client.query("""
        SELECT task_id, attempt, status, started_at, finished_at, duration_ms, error_class, error, exit_code, log_path, log_tail,
               process_group, process_stamp
        FROM orch.attempts WHERE run_id = \(id) ORDER BY task_id, attempt
        """, logger: store.logger)
        for try await row in attemptRows {
            let (task, n, status, started, finished, ms, errorClass, error, exit, path, tail, group, stamp) = try row.decode(
                (String, Int, String, Date, Date?, Int?, String?, String?, Int?, String, String?, Int?, String?).self)
            attempts[task, default: []].append(StoredAttempt(attempt: n, status: AttemptStatus(storedText: status), startedAt: started,
                                                             finishedAt: finished, durationMs: ms,
                                                             errorClass: errorClass.map(ErrorClass.init(rawValue:)), error: error,
                                                             exitCode: exit, logPath: path, logTail: tail,
                                                             processGroup: group, processStamp: stamp))
        }
        let tasks = taskRows.map { task, position, state, message, count, started, finished in
            StoredTaskRun(taskID: task, position: position, state: TaskState(storedText: state), message: message, attemptCount: count,
                          startedAt: started, finishedAt: finished, attempts: attempts[task] ?? [])
        }
        return StoredRunDetail(run: run, tasks: tasks)
    }

    private func decodeRun(_ row: PostgresRow) throws -> StoredRun {
        let (id, pipeline, file, trigger, logical, params, hash, status, message, host, pid, dir, started, finished, counts, resumed, earlierMs) =
            try row.decode((String, String, String, String, Date, String, String, String, String?, String?, Int?, String?,
                            Date, Date?, String, Date?, Int).self)
        return StoredRun(id: id, pipeline: pipeline, pipelineFile: file, trigger: trigger, logicalTime: logical,
                         params: decodeJSON(params, as: [String: String].self) ?? [:], specHash: hash, status: RunStatus(storedText: status),
                         message: message, host: host, pid: pid, runDirectory: dir, startedAt: started, finishedAt: finished,
                         taskCounts: Self.taskCounts(decodeJSON(counts, as: [String: Int].self) ?? [:]),
                         resumedAt: resumed, earlierWork: Double(earlierMs) / 1000)
    }

    /// Counts keyed by stored state text, typed (an unknown state counts as `TaskState.unknownStoredState`).
    static func taskCounts(_ byText: [String: Int]) -> [TaskState: Int] {
        byText.reduce(into: [:]) { counts, entry in counts[TaskState(storedText: entry.key), default: 0] += entry.value }
    }
}

func jsonObject(_ dictionary: [String: String]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: dictionary, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
}

func decodeJSON<T: Decodable>(_ text: String, as type: T.Type) -> T? {
    try? JSONDecoder().decode(T.self, from: Data(text.utf8))
}

extension PostgresQuery.StringInterpolation {
    /// `WHERE …` for the runs (`r`) that pass `filter`, its values bound.
    mutating func appendInterpolation(where filter: RunFilter) {
        let (exact, prefix) = filter.trigger?.storedText ?? (nil, nil)
        appendLiteral("WHERE (")
        appendInterpolation(filter.pipeline)
        appendLiteral("::text IS NULL OR r.pipeline = ")
        appendInterpolation(filter.pipeline)
        appendLiteral("::text) AND (")
        appendInterpolation(filter.status?.rawValue)
        appendLiteral("::text IS NULL OR r.status = ")
        appendInterpolation(filter.status?.rawValue)
        appendLiteral("::text) AND (")
        appendInterpolation(filter.since)
        appendLiteral("::timestamptz IS NULL OR r.started_at >= ")
        appendInterpolation(filter.since)
        appendLiteral("::timestamptz) AND (")
        appendInterpolation(filter.before)
        appendLiteral("::timestamptz IS NULL OR r.started_at < ")
        appendInterpolation(filter.before)
        appendLiteral("::timestamptz) AND (")
        appendInterpolation(filter.olderThan)
        appendLiteral("::text IS NULL OR (r.started_at, r.id) < (SELECT c.started_at, c.id FROM orch.runs c WHERE c.id = ")
        appendInterpolation(filter.olderThan)
        appendLiteral("::text)) AND (")
        appendInterpolation(exact)
        appendLiteral("::text IS NULL OR r.trigger = ")
        appendInterpolation(exact)
        appendLiteral("::text) AND (")
        appendInterpolation(prefix)
        appendLiteral("::text IS NULL OR starts_with(r.trigger, ")
        appendInterpolation(prefix)
        appendLiteral("::text))")
    }
}
