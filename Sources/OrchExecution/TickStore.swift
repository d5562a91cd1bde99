import Foundation

/// What became of a schedule tick.
public enum TickStatus: String, Sendable, Hashable, Codable {
    case started, skipped
    /// Claimed, but its run could not start (the reason is in the tick's `error` and in a failed run).
    case failed
    /// Due while the schedule was paused (`orch schedules pause`): not run.
    case paused
}

/// Whether a schedule is paused (`orch schedules pause NAME`), since when and by whom.
public struct SchedulePause: Sendable, Hashable, Codable {
    public var paused: Bool
    /// When it was last paused or unpaused.
    public var changedAt: Date
    public var changedBy: String
    public init(paused: Bool, changedAt: Date, changedBy: String) {
        self.paused = paused
        self.changedAt = changedAt
        self.changedBy = changedBy
    }
}

/// The outcome of claiming a tick.
public enum TickClaim: Sendable, Hashable {
    /// This scheduler holds the tick, with what it recorded for it.
    case ours(status: TickStatus, runID: String?)
    case theirs(claimedBy: String)
}

/// A claimed tick as `orch schedules` shows it.
public struct StoredTick: Sendable, Hashable, Codable {
    public var logicalTime: Date
    public var status: TickStatus?
    public var runID: String?
    public var error: String?
    public init(logicalTime: Date, status: TickStatus?, runID: String?, error: String?) {
        self.logicalTime = logicalTime
        self.status = status
        self.runID = runID
        self.error = error
    }
}

/// A tick claimed to start whose run was never recorded: its claimer may
/// have died between the claim and the run's first write.
public struct UnstartedTick: Sendable, Hashable {
    public var schedule: String
    public var logicalTime: Date
    public var runID: String
    public var claimedBy: String
    public init(schedule: String, logicalTime: Date, runID: String, claimedBy: String) {
        self.schedule = schedule
        self.logicalTime = logicalTime
        self.runID = runID
        self.claimedBy = claimedBy
    }
}

/// The newest run of a schedule.
public struct ScheduleRunSummary: Sendable, Hashable {
    public var id: String
    public var status: RunStatus
    public var startedAt: Date
    public var logicalTime: Date
    public init(id: String, status: RunStatus, startedAt: Date, logicalTime: Date) {
        self.id = id
        self.status = status
        self.startedAt = startedAt
        self.logicalTime = logicalTime
    }
}

/// Schedule ticks, each claimed exactly once per (schedule, logical time),
/// and the questions the scheduler asks about a schedule's runs.
public protocol TickStore: Sendable {
    /// Claims `(schedule, logicalTime)` for `claimedBy`; a tick already there
    /// under the same `claimedBy` is this scheduler's own (a lost reply) and is carried on.
    func claim(schedule: String, logicalTime: Date, status: TickStatus, runID: String?, claimedBy: String) async throws -> TickClaim
    /// Changes a claimed tick's outcome.
    func updateTick(schedule: String, logicalTime: Date, status: TickStatus, error: String?) async throws
    /// Ticks claimed to start more than `age` ago with no run.
    func unstartedTicks(olderThan age: Duration) async throws -> [UnstartedTick]
    /// The newest claimed tick of a schedule.
    func latestTick(schedule: String) async throws -> StoredTick?
    /// The latest claimed logical time of a schedule.
    func lastTick(schedule: String) async throws -> Date?
    /// Runs of the schedule (its ticks and triggers) that may still be at work: running, or stopped with an owner that still heartbeats.
    func activeRuns(schedule: String, expiry: Duration) async throws -> Int
    /// Logical times of the schedule's (and its backfills' and triggers') runs that succeeded within [from, to].
    func succeededLogicalTimes(schedule: String, from: Date, to: Date) async throws -> Set<Date>
    /// The newest run of the schedule, its backfills or its triggers.
    func lastRun(schedule: String) async throws -> ScheduleRunSummary?
    /// Pauses or unpauses a schedule for every scheduler using this store.
    func setPaused(_ paused: Bool, schedule: String, by: String) async throws
    /// The schedule's pause state; nil when it was never paused.
    func pause(schedule: String) async throws -> SchedulePause?
}
