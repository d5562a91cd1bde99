import Foundation
import OrchExecution
import OrchSpec
import PostgresNIO

/// Schedule ticks (claimed exactly once through the primary key) and the
/// runs of a schedule (the crash sweep is `RunRepository.markCrashed`): the Postgres `TickStore`.
public struct ScheduleRepository: TickStore {
    let store: Store
    var client: BookkeepingClient { BookkeepingClient(pool: store.client) }

    /// Claims `(schedule, logicalTime)` for `claimedBy`. When the row is
    /// already there it is read back: a claim whose reply was lost (the
    /// INSERT committed, the answer never came) is found to be this
    /// scheduler's own and carried on, not taken as someone else's and dropped.
    /// `claimedBy` must therefore name one scheduler process and no other.
    public func claim(schedule: String, logicalTime: Date, status: TickStatus, runID: String?, claimedBy: String) async throws -> TickClaim {
        let inserted = try await client.query("""
        INSERT INTO orch.schedule_ticks (schedule, logical_time, status, run_id, claimed_by)
        VALUES (\(schedule), \(logicalTime), \(status.rawValue), \(runID), \(claimedBy))
        ON CONFLICT (schedule, logical_time) DO NOTHING
        RETURNING 1
        """, logger: store.logger)
        for try await _ in inserted { return .ours(status: status, runID: runID) }
        // A statement of its own, so it sees a row another scheduler committed after the INSERT began.
        let rows = try await client.query("""
        SELECT status, run_id, claimed_by FROM orch.schedule_ticks WHERE schedule = \(schedule) AND logical_time = \(logicalTime)
        """, logger: store.logger)
        for try await (recorded, run, by) in rows.decode((String, String?, String).self) {
            guard by == claimedBy else { return .theirs(claimedBy: by) }
            return .ours(status: TickStatus(rawValue: recorded) ?? status, runID: run)
        }
        throw StoreError("the tick \(schedule) at \(logicalTime.ISO8601Format()) was neither claimed nor found; it will be tried again")
    }

    /// Changes a claimed tick's outcome: `failed` with the reason its run could not start,
    /// or `skipped` for a claim to start that came back only when there was no slot any more.
    public func updateTick(schedule: String, logicalTime: Date, status: TickStatus, error: String?) async throws {
        try await client.query("""
        UPDATE orch.schedule_ticks SET status = \(status.rawValue), error = \(error)
        WHERE schedule = \(schedule) AND logical_time = \(logicalTime)
        """, logger: store.logger)
    }

    /// Ticks claimed to start more than `age` ago with no run row (served by the primary key; few rows qualify).
    public func unstartedTicks(olderThan age: Duration) async throws -> [UnstartedTick] {
        let rows = try await client.query("""
        SELECT t.schedule, t.logical_time, t.run_id, t.claimed_by FROM orch.schedule_ticks t
        WHERE t.status = \(TickStatus.started.rawValue) AND t.run_id IS NOT NULL
          AND t.claimed_at < now() - make_interval(secs => \(age.seconds))
          AND NOT EXISTS (SELECT 1 FROM orch.runs r WHERE r.id = t.run_id)
        ORDER BY t.claimed_at LIMIT 100
        """, logger: store.logger)
        var out: [UnstartedTick] = []
        for try await (schedule, time, run, by) in rows.decode((String, Date, String, String).self) {
            out.append(UnstartedTick(schedule: schedule, logicalTime: time, runID: run, claimedBy: by))
        }
        return out
    }

    /// The newest claimed tick of a schedule, for `orch schedules`.
    public func latestTick(schedule: String) async throws -> StoredTick? {
        let rows = try await client.query("""
        SELECT logical_time, status, run_id, error FROM orch.schedule_ticks WHERE schedule = \(schedule)
        ORDER BY logical_time DESC LIMIT 1
        """, logger: store.logger)
        for try await (time, status, run, error) in rows.decode((Date, String, String?, String?).self) {
            return StoredTick(logicalTime: time, status: TickStatus(rawValue: status), runID: run, error: error)
        }
        return nil
    }

    /// The latest claimed logical time of a schedule.
    public func lastTick(schedule: String) async throws -> Date? {
        let rows = try await client.query("SELECT max(logical_time) FROM orch.schedule_ticks WHERE schedule = \(schedule)", logger: store.logger)
        for try await d in rows.decode(Date?.self) { return d }
        return nil
    }

    /// Runs of the schedule that may still be at work: running ones (crashed
    /// ones are marked first by `markCrashed`), and stopped ones whose owner
    /// still holds them with a fresh heartbeat (marked crashed while alive:
    /// it stops and lets go within a heartbeat interval).
    public func activeRuns(schedule: String, expiry: Duration) async throws -> Int {
        let rows = try await client.query("""
        SELECT count(*) FROM orch.runs WHERE trigger IN (\(RunTrigger.schedule(schedule).text), \(RunTrigger.trigger(schedule).text))
          AND (status = \(unescaped: RunStatus.active.sql) OR (owner_token IS NOT NULL AND heartbeat_at > now() - make_interval(secs => \(expiry.seconds))))
        """, logger: store.logger)
        for try await n in rows.decode(Int.self) { return n }
        return 0
    }

    /// Logical times of the schedule's runs that succeeded within [from, to].
    public func succeededLogicalTimes(schedule: String, from: Date, to: Date) async throws -> Set<Date> {
        let rows = try await client.query("""
        SELECT logical_time FROM orch.runs
        WHERE trigger = ANY(\(RunTrigger.all(of: schedule).map(\.text))) AND status = \(RunStatus.succeeded.rawValue)
          AND logical_time BETWEEN \(from) AND \(to)
        """, logger: store.logger)
        var out = Set<Date>()
        for try await d in rows.decode(Date.self) { out.insert(d) }
        return out
    }

    /// The newest run of the schedule: id, status, start.
    public func lastRun(schedule: String) async throws -> ScheduleRunSummary? {
        let rows = try await client.query("""
        SELECT id, status, started_at, logical_time FROM orch.runs WHERE trigger = ANY(\(RunTrigger.all(of: schedule).map(\.text)))
        ORDER BY started_at DESC LIMIT 1
        """, logger: store.logger)
        for try await (id, status, started, logical) in rows.decode((String, String, Date, Date).self) {
            return ScheduleRunSummary(id: id, status: RunStatus(storedText: status), startedAt: started, logicalTime: logical)
        }
        return nil
    }
}

extension ScheduleRepository {
    /// Pauses or unpauses a schedule: every scheduler on this database records its ticks as `paused` meanwhile.
    public func setPaused(_ paused: Bool, schedule: String, by: String) async throws {
        try await client.query("""
        INSERT INTO orch.schedule_pauses (schedule, paused, changed_at, changed_by) VALUES (\(schedule), \(paused), now(), \(by))
        ON CONFLICT (schedule) DO UPDATE SET paused = excluded.paused, changed_at = excluded.changed_at, changed_by = excluded.changed_by
        """, logger: store.logger)
    }

    /// The schedule's pause state (its primary key); nil when it was never paused.
    public func pause(schedule: String) async throws -> SchedulePause? {
        let rows = try await client.query("""
        SELECT paused, changed_at, changed_by FROM orch.schedule_pauses WHERE schedule = \(schedule)
        """, logger: store.logger)
        for try await (paused, at, by) in rows.decode((Bool, Date, String).self) {
            return SchedulePause(paused: paused, changedAt: at, changedBy: by)
        }
        return nil
    }
}

extension Store {
    public var schedules: ScheduleRepository { ScheduleRepository(store: self) }
}
