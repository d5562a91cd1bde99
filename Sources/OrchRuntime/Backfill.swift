import Foundation
import OrchExecution
import OrchSchedule
import OrchStore
import OrchWarehouse

/// `orch backfill`: runs a schedule for every logical time in a range,
/// oldest first, at most `max_active_runs` at a time; a stop request starts
/// no more and lets the runs going end as the runner ends them.
public struct Backfill: Sendable {
    public var schedule: ScheduleSpec
    public var from: Date
    public var to: Date
    /// Run logical times that already succeeded too.
    public var rerun = false
    public var environment: OrchEnvironment

    public init(schedule: ScheduleSpec, from: Date, to: Date, environment: OrchEnvironment) {
        self.schedule = schedule
        self.from = from
        self.to = to
        self.environment = environment
    }

    /// How one logical time went.
    public enum Result: Sendable, Hashable {
        case finished(tick: Date, runID: String, status: RunStatus)
        case couldNotStart(tick: Date, error: String)

        public var succeeded: Bool {
            if case .finished(_, _, .succeeded) = self { return true }
            return false
        }
    }

    /// The schedule's ticks in [from, to], without those that already succeeded (unless `rerun`).
    public func ticks(ticks store: any TickStore) async throws -> [Date] {
        var ticks = schedule.ticks(after: from.addingTimeInterval(-0.001), until: to, limit: 100_000)
        if !rerun {
            let done = try await store.succeededLogicalTimes(schedule: schedule.name, from: from, to: to)
            ticks.removeAll { done.contains($0) }
        }
        return ticks
    }

    /// Runs `ticks` in order, `max_active_runs` at a time; `onResult` hears
    /// of each as it ends. Returns how many did not succeed.
    public func run(_ ticks: [Date], runs: any RunStore, warehouse: Warehouse?, stop: StopSignal,
                    onResult: @escaping @Sendable (Result) -> Void = { _ in }) async -> Int {
        let (schedule, environment) = (self.schedule, self.environment)
        var failed = 0
        var queue = ticks[...]
        await withTaskGroup(of: Bool.self) { group in
            var running = 0
            func launch() {
                while running < schedule.maxActiveRuns, stop.reason == nil, let tick = queue.popFirst() {
                    running += 1
                    group.addTask {
                        let result = await Self.runOne(schedule, tick: tick, environment: environment, runs: runs,
                                                       warehouse: warehouse, stop: stop)
                        onResult(result)
                        return result.succeeded
                    }
                }
            }
            launch()
            while let succeeded = await group.next() {
                running -= 1
                if !succeeded { failed += 1 }
                launch()
            }
        }
        return failed
    }

    static func runOne(_ schedule: ScheduleSpec, tick: Date, environment: OrchEnvironment, runs: any RunStore,
                       warehouse: Warehouse?, stop: StopSignal) async -> Result {
        let request = RunRequest(schedule: schedule, trigger: .backfill(schedule.name), logicalTime: tick)
        do {
            let outcome = try await PipelineRunner(environment: environment).run(request, runs: runs, warehouse: warehouse, stop: stop)
            return .finished(tick: tick, runID: outcome.info.id, status: outcome.status)
        } catch {
            return .couldNotStart(tick: tick, error: "\(error)")
        }
    }
}
