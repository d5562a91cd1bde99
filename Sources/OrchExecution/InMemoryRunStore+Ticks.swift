import Foundation
import OrchSpec
import Synchronization

extension InMemoryRunStore: TickStore {
    public func claim(schedule: String, logicalTime: Date, status: TickStatus, runID: String?, claimedBy: String) async throws -> TickClaim {
        let now = clock()
        return state.withLock { s in
            guard let existing = s.ticks[schedule]?[logicalTime] else {
                s.ticks[schedule, default: [:]][logicalTime] = TickRow(
                    tick: StoredTick(logicalTime: logicalTime, status: status, runID: runID, error: nil), claimedBy: claimedBy, claimedAt: now)
                return .ours(status: status, runID: runID)
            }
            guard existing.claimedBy == claimedBy else { return .theirs(claimedBy: existing.claimedBy) }
            return .ours(status: existing.tick.status ?? status, runID: existing.tick.runID)
        }
    }

    public func updateTick(schedule: String, logicalTime: Date, status: TickStatus, error: String?) async throws {
        state.withLock { s in
            s.ticks[schedule]?[logicalTime]?.tick.status = status
            s.ticks[schedule]?[logicalTime]?.tick.error = error
        }
    }

    public func unstartedTicks(olderThan age: Duration) async throws -> [UnstartedTick] {
        let now = clock()
        return state.withLock { s in
            let rows = s.ticks.flatMap { schedule, ticks in ticks.values.map { (schedule, $0) } }
            return rows.filter { _, row in
                row.tick.status == .started && row.tick.runID.map { s.runs[$0] == nil } == true
                    && now.timeIntervalSince(row.claimedAt) > age.seconds
            }
            .sorted { $0.1.claimedAt < $1.1.claimedAt }.prefix(100)
            .map { UnstartedTick(schedule: $0.0, logicalTime: $0.1.tick.logicalTime, runID: $0.1.tick.runID!, claimedBy: $0.1.claimedBy) }
        }
    }

    public func latestTick(schedule: String) async throws -> StoredTick? {
        state.withLock { s in s.ticks[schedule]?.max { $0.key < $1.key }?.value.tick }
    }

    public func lastTick(schedule: String) async throws -> Date? {
        state.withLock { s in s.ticks[schedule]?.keys.max() }
    }

    public func activeRuns(schedule: String, expiry: Duration) async throws -> Int {
        let now = clock()
        let triggers = [RunTrigger.schedule(schedule).text, RunTrigger.trigger(schedule).text]
        return state.withLock { s in
            s.runs.values.filter { row in
                triggers.contains(row.run.trigger) && (row.run.status == .active
                    || (row.ownerToken != nil && row.heartbeatAt.map { now.timeIntervalSince($0) < expiry.seconds } == true))
            }.count
        }
    }

    public func succeededLogicalTimes(schedule: String, from: Date, to: Date) async throws -> Set<Date> {
        let triggers = Self.triggers(of: schedule)
        return state.withLock { s in
            Set(s.runs.values.map(\.run).filter {
                triggers.contains($0.trigger) && $0.status == .succeeded && $0.logicalTime >= from && $0.logicalTime <= to
            }.map(\.logicalTime))
        }
    }

    public func lastRun(schedule: String) async throws -> ScheduleRunSummary? {
        let triggers = Self.triggers(of: schedule)
        return newest { triggers.contains($0.trigger) }
            .map { ScheduleRunSummary(id: $0.id, status: $0.status, startedAt: $0.startedAt, logicalTime: $0.logicalTime) }
    }

    /// A schedule's own runs, its backfills' and its triggers'.
    static func triggers(of schedule: String) -> [String] {
        RunTrigger.all(of: schedule).map(\.text)
    }

    public func setPaused(_ paused: Bool, schedule: String, by: String) async throws {
        let now = clock()
        state.withLock { $0.pauses[schedule] = SchedulePause(paused: paused, changedAt: now, changedBy: by) }
    }

    public func pause(schedule: String) async throws -> SchedulePause? {
        state.withLock { $0.pauses[schedule] }
    }
}
