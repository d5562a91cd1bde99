import Foundation
import OrchExecution
import OrchSpec
import PostgresNIO

/// A state write from a process that does not own the run (any more): the
/// run was taken over by `orch retry`, or marked crashed, or has finished.
/// Refused, so that two processes never both record one run.
public struct RunWriteRefused: Error, Sendable, Hashable, CustomStringConvertible {
    public var run: String
    public var description: String { "run \(run) is not (or no longer) owned by this process; the write was refused" }
}

/// What a process that believes it owns a run finds in the database.
public enum RunOwnership: Sendable, Hashable {
    case owned
    /// Still this token's, but no longer running: the crash sweep (or an
    /// operator) gave up on this owner. Its verdict holds: the owner stops.
    case notRunning(status: RunStatus, message: String?)
    /// Another process holds the run now (`orch retry`).
    case takenOver(host: String?, pid: Int?)
    /// No such run (yet: its first write may still be queued behind an outage).
    case missing
}

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
            return Self.ownership(RunStatus(rawValue: status), message: message)
        }
        return try await ownership(run: run, token: token)
    }

    /// What `token` is to the run, without writing.
    public func ownership(run: String, token: String) async throws -> RunOwnership {
        let rows = try await client.query("""
        SELECT status, message, owner_token, host, pid FROM orch.runs WHERE id = \(run)
        """, logger: store.logger)
        for try await (status, message, owner, host, pid) in rows.decode((String, String?, String?, String?, Int?).self) {
            let status = RunStatus(rawValue: status)
            if owner == token { return Self.ownership(status, message: message) }
            // No owner: a crash sweep that proved an owner gone let go for it; any other
            // stopped run without one was finished by whoever took it over.
            if owner == nil, status == .crashed { return .notRunning(status: .crashed, message: message) }
            return .takenOver(host: host, pid: pid)
        }
        return .missing
    }

    /// What the holder of the run's token finds in its status.
    private static func ownership(_ status: RunStatus?, message: String?) -> RunOwnership {
        guard let status, status != .running else { return .owned }
        return .notRunning(status: status, message: message)
    }

    /// An owner that stopped because it lost its run lets go of it, so
    /// `orch retry` need not wait for its heartbeat to expire.
    public func release(run: String, token: String) async throws {
        try await client.query("""
        UPDATE orch.runs SET owner_token = NULL WHERE id = \(run) AND owner_token = \(token) AND status <> 'running'
        """, logger: store.logger)
    }

    /// The owner of a stopped run that may still be at work: it holds the run
    /// and its heartbeat is younger than `expiry`, and it is not provably gone.
    /// (An owner whose run was marked crashed stops and lets go within about
    /// one heartbeat interval.)
    public func liveOwner(run: String, expiry: Duration) async throws -> (host: String?, pid: Int?)? {
        let rows = try await client.query("""
        SELECT host, pid, owner_process FROM orch.runs
        WHERE id = \(run) AND status <> 'running' AND owner_token IS NOT NULL
          AND heartbeat_at > now() - make_interval(secs => \(expiry.seconds))
        """, logger: store.logger)
        for try await (host, pid, stamp) in rows.decode((String?, Int?, String?).self) {
            if ProcessLiveness.of(host: host, pid: pid, stamp: stamp) == .gone { return nil }
            return (host, pid)
        }
        return nil
    }

    /// Takes over a stopped run for `owner` (`orch retry`): it is running
    /// again under the new token, attempts its last owner left running are
    /// failed, and every task that did not succeed is pending (attempts stay,
    /// numbered on).
    /// - Throws: `StoreError` when the run is not (or no longer) failed, cancelled or crashed:
    ///   two retries of one run at once cannot both take it.
    public func reopen(run: String, owner: RunOwner) async throws {
        try await client.withTransaction(logger: store.logger) { c in
            let rows = try await c.query("""
            UPDATE orch.runs SET status = 'running', finished_at = NULL, message = NULL, heartbeat_at = now(),
                host = \(owner.host), pid = \(Int(owner.pid)), owner_token = \(owner.token), owner_process = \(owner.stamp?.description)
            WHERE id = \(run) AND status IN ('failed', 'cancelled', 'crashed')
            RETURNING id
            """, logger: store.logger)
            var taken = false
            for try await _ in rows { taken = true }
            guard taken else { throw StoreError("run \(run) is no longer failed, cancelled or crashed (another retry may have taken it)") }
            try await c.query("""
            UPDATE orch.attempts SET status = 'failed', finished_at = now(), error_class = 'crashed',
                error = 'its orch process lost the run before the attempt ended (taken over by orch retry)'
            WHERE run_id = \(run) AND status = 'running'
            """, logger: store.logger)
            try await c.query("""
            UPDATE orch.task_runs SET state = 'pending', message = NULL, finished_at = NULL
            WHERE run_id = \(run) AND state <> 'succeeded'
            """, logger: store.logger)
        }
    }
}
