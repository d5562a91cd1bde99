import Foundation
import OrchExecution
import PostgresNIO

extension RunRepository {
    /// Deletes runs that finished before `before` with their task runs,
    /// attempts, test results and lineage edges, in batches of `batchSize`
    /// (each its own transaction, so a large prune never holds long locks).
    /// Lineage edges that are still the latest production of their dataset
    /// are kept. Returns counts and the run folders to delete from disk.
    public func prune(before: Date, keepFailed: Bool, dryRun: Bool, batchSize: Int) async throws -> PruneResult {
        var result = PruneResult()
        let statuses = RunStatus.prunable(keepFailed: keepFailed).map(\.rawValue)
        var lastSeen = ""
        while true {
            var found: [String] = []
            let idRows = try await client.query("""
            SELECT id FROM orch.runs WHERE status = ANY(\(statuses)) AND coalesce(finished_at, started_at) < \(before)
              AND id > \(lastSeen) ORDER BY id LIMIT \(batchSize)
            """, logger: store.logger)
            for try await id in idRows.decode(String.self) { found.append(id) }
            guard let last = found.last else { break }
            lastSeen = last
            let ids = found
            let counts = try await client.withTransaction(logger: store.logger) { c -> (Int, Int, Int, [String]) in
                var stats = (0, 0, 0)
                let statRows = try await c.query("""
                SELECT (SELECT count(*) FROM orch.attempts WHERE run_id = ANY(\(ids))),
                       (SELECT count(*) FROM orch.test_results WHERE run_id = ANY(\(ids))),
                       (SELECT count(*) FROM orch.lineage l WHERE l.run_id = ANY(\(ids)) AND l.produced_at <
                            (SELECT max(produced_at) FROM orch.lineage x WHERE x.target = l.target))
                """, logger: store.logger)
                for try await row in statRows.decode((Int, Int, Int).self) { stats = row }
                var folders: [String] = []
                let folderRows = try await c.query("SELECT coalesce(run_dir, '') FROM orch.runs WHERE id = ANY(\(ids))", logger: store.logger)
                for try await f in folderRows.decode(String.self) where !f.isEmpty { folders.append(f) }
                if !dryRun {
                    try await c.query("""
                    DELETE FROM orch.lineage l WHERE l.run_id = ANY(\(ids))
                      AND l.produced_at < (SELECT max(produced_at) FROM orch.lineage x WHERE x.target = l.target)
                    """, logger: store.logger)
                    try await c.query("DELETE FROM orch.runs WHERE id = ANY(\(ids))", logger: store.logger)
                }
                return (stats.0, stats.1, stats.2, folders)
            }
            result.runs += ids.count
            result.attempts += counts.0
            result.testResults += counts.1
            result.lineageEdges += counts.2
            result.folders += counts.3
        }
        if !dryRun {
            // The latest tick of each schedule stays: catch-up starts from it.
            try await client.query("""
            DELETE FROM orch.schedule_ticks t WHERE claimed_at < \(before)
              AND logical_time < (SELECT max(logical_time) FROM orch.schedule_ticks x WHERE x.schedule = t.schedule)
            """, logger: store.logger)
        }
        return result
    }
}
