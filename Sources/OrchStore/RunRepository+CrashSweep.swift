import Foundation
import OrchExecution
import OrchSpec
import PostgresNIO

extension RunRepository {
    /// Marks runs whose owner is gone as `crashed`. An owner on this machine
    /// whose process is provably gone (its `ProcessStamp` no longer matches)
    /// is dead at once; one that provably still runs here is never marked,
    /// whatever its heartbeat says (an outage delays heartbeats, not work);
    /// any other owner is dead when its heartbeat is older than `expiry`.
    /// Their running tasks and attempts fail with the reason, and their
    /// pending tasks are cancelled. A provably dead owner also loses its
    /// token, so nothing waits for it.
    @discardableResult
    public func markCrashed(expiry: Duration) async throws -> [CrashedRun] {
        try await client.withTransaction(logger: store.logger) { c in
            // Served by runs_active_idx: only running runs are read.
            let candidates = try await c.query("""
            SELECT id, host, pid, owner_process, coalesce(owner_token, ''),
                   coalesce(heartbeat_at < now() - make_interval(secs => \(expiry.seconds)), true),
                   coalesce(to_char(heartbeat_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '?')
            FROM orch.runs WHERE status = \(unescaped: RunStatus.active.sql)
            """, logger: store.logger)
            var ids: [String] = [], tokens: [String] = [], kinds: [String] = [], messages: [String] = []
            for try await (id, host, pid, stamp, token, stale, beat) in candidates.decode(
                (String, String?, Int?, String?, String, Bool, String).self) {
                let (hostText, pidText) = (host ?? "?", pid.map(String.init) ?? "?")
                switch ProcessLiveness.of(host: host, pid: pid, stamp: stamp) {
                case .alive:
                    continue
                case .gone:
                    kinds.append("gone")
                    messages.append("the orch process died (pid \(pidText) on \(hostText) is gone; last heartbeat \(beat))")
                case .unknown:
                    guard stale else { continue }
                    kinds.append("expired")
                    messages.append("the orch process died (last heartbeat \(beat) on \(hostText), pid \(pidText))")
                }
                ids.append(id)
                tokens.append(token)
            }
            guard !ids.isEmpty else { return [] }
            // Checked again under the row lock: a heartbeat or a takeover since the read keeps the run.
            let marked = try await c.query("""
            UPDATE orch.runs r SET status = \(RunStatusTransition.crash.to[0].rawValue), finished_at = now(), message = u.message,
                owner_token = CASE WHEN u.kind = 'gone' THEN NULL ELSE r.owner_token END
            FROM unnest(\(ids)::text[], \(tokens)::text[], \(kinds)::text[], \(messages)::text[]) AS u(id, token, kind, message)
            WHERE r.id = u.id AND r.status IN \(unescaped: RunStatus.sqlList(RunStatusTransition.crash.from)) AND coalesce(r.owner_token, '') = u.token
              AND (u.kind = 'gone' OR r.heartbeat_at IS NULL OR r.heartbeat_at < now() - make_interval(secs => \(expiry.seconds)))
            RETURNING r.id, r.message
            """, logger: store.logger)
            var crashed: [CrashedRun] = []
            for try await (id, message) in marked.decode((String, String).self) { crashed.append(CrashedRun(id: id, message: message)) }
            guard !crashed.isEmpty else { return crashed }
            let crashedIDs = crashed.map(\.id)
            try await c.query("""
            UPDATE orch.attempts a SET status = \(AttemptStatus.failed.rawValue), finished_at = now(),
                error_class = \(ErrorClass.crashed.rawValue), error = r.message
            FROM orch.runs r WHERE a.run_id = r.id AND r.id = ANY(\(crashedIDs)) AND a.status = \(AttemptStatus.running.rawValue)
            """, logger: store.logger)
            try await c.query("""
            UPDATE orch.task_runs t SET state = CASE WHEN t.state = \(TaskState.running.rawValue) THEN \(TaskState.failed.rawValue)
                                           ELSE \(TaskState.cancelled.rawValue) END,
                message = r.message, finished_at = now()
            FROM orch.runs r WHERE t.run_id = r.id AND r.id = ANY(\(crashedIDs)) AND t.state IN (\(TaskState.running.rawValue), \(TaskState.pending.rawValue))
            """, logger: store.logger)
            return crashed
        }
    }
}
