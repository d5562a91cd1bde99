import Foundation
import OrchExecution
import PostgresNIO

/// One training of a `train_segments` task: the facts its successful attempt recorded (k, silhouette, `segments` JSON…).
public struct StoredSegmentation: Sendable, Hashable {
    public var runID: String
    public var taskID: String
    public var finishedAt: Date
    public var facts: [String: String]
}

extension RunRepository {
    /// The latest trainings, newest first: successful attempts whose facts
    /// hold `segments` (what `SegmentModel.facts` records). Served by the
    /// partial index `attempts_segmentation_idx` (migration 9), so it reads
    /// `limit` rows however many attempts the store holds.
    public func latestSegmentations(limit: Int = 2) async throws -> [StoredSegmentation] {
        let rows = try await client.query("""
        SELECT run_id, task_id, finished_at, output::text FROM orch.attempts
        WHERE output ? 'segments' AND status = \(AttemptStatus.succeeded.rawValue) AND finished_at IS NOT NULL
        ORDER BY finished_at DESC LIMIT \(limit)
        """, logger: store.logger)
        var out: [StoredSegmentation] = []
        for try await (run, task, at, json) in rows.decode((String, String, Date, String).self) {
            out.append(StoredSegmentation(runID: run, taskID: task, finishedAt: at, facts: decodeJSON(json, as: [String: String].self) ?? [:]))
        }
        return out
    }
}
