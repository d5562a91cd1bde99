import Foundation

/// What a scheduler does with ticks it did not fire while it was down: the
/// catchup rule. Pure; the scheduler claims what this returns.
public enum TickPlanner {
    /// Ticks missed since `lastTick` up to `now`, filtered by the catchup rule
    /// (none; all; the last N), oldest first. A schedule with no history has
    /// missed nothing: it starts with its next tick.
    public static func missed(_ schedule: ScheduleSpec, lastTick: Date?, now: Date) -> [Date] {
        guard schedule.enabled, let lastTick else { return [] }
        switch schedule.catchup {
        case .none: return []
        case .all: return schedule.ticks(after: lastTick, until: now)
        case let .last(n): return schedule.ticks(after: lastTick, until: now, limit: n)
        }
    }
}
