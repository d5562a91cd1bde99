import Foundation
import PostgresNIO

extension RunRepository {
    /// The newest run to report on: the latest failed, crashed or cancelled one.
    public func latestUnsuccessful() async throws -> String? {
        let rows = try await client.query("""
        SELECT id FROM orch.runs WHERE status IN ('failed', 'crashed', 'cancelled') ORDER BY started_at DESC LIMIT 1
        """, logger: store.logger)
        for try await id in rows.decode(String.self) { return id }
        return nil
    }

    /// The pipeline's last successful run that started before `before`.
    public func lastSuccess(pipeline: String, before: Date) async throws -> StoredRun? {
        let rows = try await client.query("""
        SELECT id FROM orch.runs WHERE pipeline = \(pipeline) AND status = 'succeeded' AND started_at < \(before)
        ORDER BY started_at DESC LIMIT 1
        """, logger: store.logger)
        for try await id in rows.decode(String.self) { return try await detail(id)?.run }
        return nil
    }

    /// Facts of each task's latest successful attempt in a run (rows loaded, …).
    public func outputs(run: String) async throws -> [String: [String: String]] {
        let rows = try await client.query("""
        SELECT DISTINCT ON (task_id) task_id, output::text FROM orch.attempts
        WHERE run_id = \(run) AND status = 'succeeded' AND output IS NOT NULL ORDER BY task_id, attempt DESC
        """, logger: store.logger)
        var out: [String: [String: String]] = [:]
        for try await (task, json) in rows.decode((String, String).self) {
            out[task] = decodeJSON(json, as: [String: String].self) ?? [:]
        }
        return out
    }

    /// When each dataset was last produced, and by which run.
    public func lastProduced(_ datasets: [String]) async throws -> [String: (run: String, at: Date)] {
        guard !datasets.isEmpty else { return [:] }
        let rows = try await client.query("""
        SELECT DISTINCT ON (target) target, run_id, produced_at FROM orch.lineage
        WHERE target = ANY(\(datasets)) ORDER BY target, produced_at DESC
        """, logger: store.logger)
        var out: [String: (run: String, at: Date)] = [:]
        for try await (target, run, at) in rows.decode((String, String, Date).self) { out[target] = (run, at) }
        return out
    }

    /// Makes a stopped run resumable: the run is running again and every task
    /// that did not succeed is pending (its attempts stay, numbered on).
    /// - Throws: `StoreError` when the run is not (or no longer) failed, cancelled or crashed:
    ///   two retries of one run at once cannot both take it.
    public func reopen(run: String) async throws {
        try await client.withTransaction(logger: store.logger) { c in
            let rows = try await c.query("""
            UPDATE orch.runs SET status = 'running', finished_at = NULL, message = NULL, heartbeat_at = now(),
                host = \(ProcessInfo.processInfo.hostName), pid = \(Int(ProcessInfo.processInfo.processIdentifier))
            WHERE id = \(run) AND status IN ('failed', 'cancelled', 'crashed')
            RETURNING id
            """, logger: store.logger)
            var taken = false
            for try await _ in rows { taken = true }
            guard taken else { throw StoreError("run \(run) is no longer failed, cancelled or crashed (another retry may have taken it)") }
            try await c.query("""
            UPDATE orch.task_runs SET state = 'pending', message = NULL, finished_at = NULL
            WHERE run_id = \(run) AND state <> 'succeeded'
            """, logger: store.logger)
        }
    }
}
