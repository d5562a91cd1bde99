import Foundation
import OrchSchedule

/// What the scheduler does with a due tick, decided from counts alone (no
/// database): the `SchedulerService` gathers the counts, claims and starts.
public enum TickDecision: Sendable, Hashable {
    /// A slot is free (or `overlap: allow`): claim the tick and start its run.
    case start
    /// No slot: the tick waits for one. An armed tick joins the queue; a
    /// queued (or caught-up) one stays at its head.
    case wait
    /// No slot and `overlap: skip`: the tick is claimed as skipped.
    case skip

    /// - Parameters:
    ///   - active: runs of the schedule that may be at work.
    ///   - fromPending: the tick was queued or caught up, not armed: catchup
    ///     asked for it to run, so it waits for a slot whatever `overlap` says.
    public init(_ schedule: ScheduleSpec, active: Int, fromPending: Bool) {
        if active < schedule.maxActiveRuns || schedule.overlap == .allow {
            self = .start
        } else if schedule.overlap == .queue || fromPending {
            self = .wait
        } else {
            self = .skip
        }
    }

    /// The tick to consider next: the oldest waiting one, else the armed one once due.
    public static func nextTick(pending: [Date], armed: Date?, now: Date) -> (tick: Date, fromPending: Bool)? {
        if let first = pending.first { return (first, true) }
        if let armed, armed <= now { return (armed, false) }
        return nil
    }
}
