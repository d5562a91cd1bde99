import Foundation
import OrchExecution
import OrchSpec
import PostgresNIO

extension RunRepository {
    /// The owner is alive: refreshes the heartbeat if `token` still owns the
    /// run, and says what it found. A run marked crashed is not revived: the
    /// sweep's verdict was acted upon (an overlapping run may have started),
    /// so the owner must stop instead (`RunOwnership.notRunning`).
    public func heartbeat(run: String, token: String) async throws -> RunOwnership {
        let rows = try await client.query("""
        UPDATE orch.runs SET heartbeat_at = now() WHERE id = \(run) AND owner_token = \(token) RETURNING status, message
        """, logger: store.logger)
        for try await (status, message) in rows.decode((String, String?).self) {
            return .holder(RunStatus(storedText: status), message: message)
        }
        return try await ownership(run: run, token: token)
    }

    /// What `token` is to the run, without writing.
    public func ownership(run: String, token: String) async throws -> RunOwnership {
        let rows = try await client.query("""
        SELECT status, message, owner_token, host, pid FROM orch.runs WHERE id = \(run)
        """, logger: store.logger)
        for try await (status, message, owner, host, pid) in rows.decode((String, String?, String?, String?, Int?).self) {
            return .of(token: token, owner: owner, status: RunStatus(storedText: status), message: message, host: host, pid: pid)
        }
        return .missing
    }

    /// An owner that stopped because it lost its run lets go of it, so
    /// `orch retry` need not wait for its heartbeat to expire.
    public func release(run: String, token: String) async throws {
        try await client.query("""
        UPDATE orch.runs SET owner_token = NULL WHERE id = \(run) AND owner_token = \(token) AND status <> \(unescaped: RunStatus.active.sql)
        """, logger: store.logger)
    }

    /// The owner of a stopped run that may still be at work: it holds the run
    /// and its heartbeat is younger than `expiry`, and it is not provably gone.
    /// (An owner whose run was marked crashed stops and lets go within about
    /// one heartbeat interval.)
    public func liveOwner(run: String, expiry: Duration) async throws -> LiveOwner? {
        let rows = try await client.query("""
        SELECT host, pid, owner_process FROM orch.runs
        WHERE id = \(run) AND status <> \(unescaped: RunStatus.active.sql) AND owner_token IS NOT NULL
          AND heartbeat_at > now() - make_interval(secs => \(expiry.seconds))
        """, logger: store.logger)
        for try await (host, pid, stamp) in rows.decode((String?, Int?, String?).self) {
            if ProcessLiveness.of(host: host, pid: pid, stamp: stamp) == .gone { return nil }
            return LiveOwner(host: host, pid: pid)
        }
        return nil
    }

    /// Takes over a stopped run for `owner` (`orch retry`): it is running
    /// again under the new token, attempts its last owner left running are
    /// failed, and every task that did not succeed is pending (attempts stay,
    /// numbered on).
    /// - Throws: `RunStoreError` when the run is not (or no longer) failed, cancelled or crashed:
    ///   two retries of one run at once cannot both take it.
    public func reopen(run: String, owner: RunOwner) async throws {
        try await client.withTransaction(logger: store.logger) { c in
            let rows = try await c.query("""
            UPDATE orch.runs SET status = \(RunStatusTransition.reopen.to[0].rawValue), finished_at = NULL, message = NULL, heartbeat_at = now(),
                earlier_ms = earlier_ms + greatest(0, (extract(epoch FROM
                    -- a crashed run last worked at its last heartbeat, not when it was found crashed
                    CASE WHEN status = \(RunStatus.crashed.rawValue) THEN least(coalesce(heartbeat_at, finished_at), coalesce(finished_at, now()))
                         ELSE coalesce(finished_at, now()) END - coalesce(resumed_at, started_at)) * 1000)::bigint),
                resumed_at = now(),
                host = \(owner.host), pid = \(Int(owner.pid)), owner_token = \(owner.token), owner_process = \(owner.stamp?.description)
            WHERE id = \(run) AND status IN \(unescaped: RunStatus.sqlList(RunStatusTransition.reopen.from))
            RETURNING id
            """, logger: store.logger)
            var taken = false
            for try await _ in rows { taken = true }
            guard taken else { throw RunStoreError.notReopenable(run) }
            try await c.query("""
            UPDATE orch.attempts SET status = \(AttemptStatus.failed.rawValue), finished_at = now(),
                error_class = \(ErrorClass.crashed.rawValue), error = \(RunStatusTransition.reopenedAttemptError)
            WHERE run_id = \(run) AND status = \(AttemptStatus.running.rawValue)
            """, logger: store.logger)
            try await c.query("""
            UPDATE orch.task_runs SET state = \(TaskState.pending.rawValue), message = NULL, finished_at = NULL
            WHERE run_id = \(run) AND state <> \(TaskState.succeeded.rawValue)
            """, logger: store.logger)
        }
    }
}
