import Foundation
import OrchExecution
import PostgresNIO

extension RunRepository {
    /// The newest run to report on: the latest failed, crashed or cancelled one.
    public func latestUnsuccessful() async throws -> String? {
        let rows = try await client.query("""
        SELECT id FROM orch.runs WHERE status IN \(unescaped: RunStatus.sqlList(RunStatus.unsuccessful)) ORDER BY started_at DESC LIMIT 1
        """, logger: store.logger)
        for try await id in rows.decode(String.self) { return id }
        return nil
    }

    /// The pipeline's last successful run that started before `before` and ran
    /// at least one task (a run with none is no evidence that anything worked).
    public func lastSuccess(pipeline: String, before: Date) async throws -> StoredRun? {
        let rows = try await client.query("""
        SELECT r.id FROM orch.runs r WHERE r.pipeline = \(pipeline) AND r.status = \(RunStatus.succeeded.rawValue) AND r.started_at < \(before)
          AND EXISTS (SELECT 1 FROM orch.task_runs t WHERE t.run_id = r.id)
        ORDER BY r.started_at DESC LIMIT 1
        """, logger: store.logger)
        for try await id in rows.decode(String.self) { return try await detail(id)?.run }
        return nil
    }

    /// Facts of each task's latest successful attempt in a run (rows loaded, …).
    public func outputs(run: String) async throws -> [String: [String: String]] {
        let rows = try await client.query("""
        SELECT DISTINCT ON (task_id) task_id, output::text FROM orch.attempts
        WHERE run_id = \(run) AND status = \(AttemptStatus.succeeded.rawValue) AND output IS NOT NULL ORDER BY task_id, attempt DESC
        """, logger: store.logger)
        var out: [String: [String: String]] = [:]
        for try await (task, json) in rows.decode((String, String).self) {
            out[task] = decodeJSON(json, as: [String: String].self) ?? [:]
        }
        return out
    }

    /// When each dataset was last produced, and by which run.
    public func lastProduced(_ datasets: [String]) async throws -> [String: DatasetProduction] {
        guard !datasets.isEmpty else { return [:] }
        let rows = try await client.query("""
        SELECT DISTINCT ON (target) target, run_id, produced_at FROM orch.lineage
        WHERE target = ANY(\(datasets)) ORDER BY target, produced_at DESC
        """, logger: store.logger)
        var out: [String: DatasetProduction] = [:]
        for try await (target, run, at) in rows.decode((String, String, Date).self) { out[target] = DatasetProduction(run: run, at: at) }
        return out
    }
}
