import Foundation
import OrchExecution
import PostgresNIO

extension RunRepository {
    /// The latest attempt's result of every test in `run` (default: the latest run with test results).
    public func testResults(run: String?, model: String?, failedOnly: Bool) async throws -> (String?, [StoredTestResult]) {
        var runID = run
        if runID == nil {
            let rows = try await client.query("SELECT run_id FROM orch.test_results ORDER BY recorded_at DESC LIMIT 1", logger: store.logger)
            for try await id in rows.decode(String.self) { runID = id }
        }
        guard let runID else { return (nil, []) }
        let rows = try await client.query("""
        SELECT DISTINCT ON (task_id) run_id, task_id, test_name, test_type, model, column_name, severity, status, failing_rows,
               sample_rows::text, sql, message, recorded_at
        FROM orch.test_results
        WHERE run_id = \(runID) AND (\(model)::text IS NULL OR model = \(model)::text)
        ORDER BY task_id, attempt DESC
        """, logger: store.logger)
        var out: [StoredTestResult] = []
        for try await (r, t, name, type, m, c, sev, status, failing, samples, sql, message, at) in rows.decode(
            (String, String, String, String, String, String?, String, String, Int, String, String, String?, Date).self) {
            let result = TestResult(test: name, testType: type, model: m, column: c, severity: .init(storedText: sev),
                                    status: .init(storedText: status), failingRows: failing, sampleRows: samples, sql: sql, message: message)
            if failedOnly && result.status == .pass { continue }
            out.append(StoredTestResult(runID: r, taskID: t, result: result, recordedAt: at))
        }
        return (runID, out.sorted { ($0.model, $0.test) < ($1.model, $1.test) })
    }

    /// The lineage tree of `dataset`: what it was made from (`upstream`) or what
    /// is made from it, following the edges of each dataset's latest production.
    public func lineage(of dataset: String, upstream: Bool, depth: Int) async throws -> LineageNode {
        var seen = Set<String>()
        return try await lineageNode(dataset, upstream: upstream, depth: depth, seen: &seen)
    }

    private func lineageNode(_ dataset: String, upstream: Bool, depth: Int, seen: inout Set<String>) async throws -> LineageNode {
        var node = LineageNode(dataset: dataset, children: [])
        let last = try await client.query("""
        SELECT run_id, task_id, produced_at FROM orch.lineage WHERE target = \(dataset) ORDER BY produced_at DESC LIMIT 1
        """, logger: store.logger)
        for try await (run, task, at) in last.decode((String, String, Date).self) {
            node.lastRunID = run
            node.lastTaskID = task
            node.lastProducedAt = at
        }
        guard depth > 0, seen.insert(dataset).inserted else { return node }
        var next: [String] = []
        if upstream {
            if let run = node.lastRunID, let task = node.lastTaskID {
                let rows = try await client.query("""
                SELECT source FROM orch.lineage WHERE run_id = \(run) AND task_id = \(task) AND target = \(dataset) ORDER BY source
                """, logger: store.logger)
                for try await s in rows.decode(String.self) { next.append(s) }
            }
        } else {
            // Datasets whose latest production read this one.
            let rows = try await client.query("""
            SELECT DISTINCT l.target FROM orch.lineage l
            WHERE l.source = \(dataset)
              AND l.produced_at = (SELECT max(produced_at) FROM orch.lineage x WHERE x.target = l.target)
            ORDER BY l.target
            """, logger: store.logger)
            for try await t in rows.decode(String.self) { next.append(t) }
        }
        for child in next {
            node.children.append(try await lineageNode(child, upstream: upstream, depth: depth - 1, seen: &seen))
        }
        return node
    }
}
