import Foundation
import Metrics
import OrchExecution
import OrchPostgres
import OrchStore
import Synchronization

/// orch's metrics, named and recorded through swift-metrics in one place
/// (the store's two, which OrchStore records itself, are in `StoreMetrics`).
/// Nothing is recorded until an exporter calls `enable()` (`orch scheduler
/// --metrics-port`/`--http-port`, `orch ui`): `orch run` adds no observer
/// and does no per-event work.
public enum OrchMetrics {
    /// Counter {pipeline, status}: runs that ended, by their final status.
    public static let runs = "orch_runs_total"
    /// Counter {pipeline, kind, status}: tasks that reached a final state (upstream_failed and skipped included).
    public static let taskRuns = "orch_task_runs_total"
    /// Histogram {pipeline, kind}: a task's first start to its final state (all its attempts and retry waits).
    public static let taskDuration = "orch_task_duration_seconds"
    /// Histogram {schedule}: how late the scheduler started a tick's run, after its due time.
    public static let fireLag = "orch_schedule_fire_lag_seconds"
    /// Gauge {schedule}: seconds since the schedule's newest successful scheduled run finished (read at scrape time).
    public static let lastSuccessAge = "orch_schedule_last_success_age_seconds"
    /// Gauge {pipeline}: seconds since the stalest heartbeat among the pipeline's running runs (read at scrape time).
    public static let heartbeatAge = "orch_run_heartbeat_age_seconds"
    public static var recorderQueueDepth: String { StoreMetrics.queueDepth }
    public static var storeWrite: String { StoreMetrics.writeSeconds }

    private static let on = Atomic<Bool>(false)
    public static var isEnabled: Bool { on.load(ordering: .relaxed) }

    /// Starts recording; the exporter calls it once, after `MetricsSystem.bootstrap`.
    public static func enable() {
        on.store(true, ordering: .relaxed)
        StoreMetrics.enable()
    }

    static func runFinished(pipeline: String, status: RunStatus) {
        guard isEnabled else { return }
        Counter(label: runs, dimensions: [("pipeline", pipeline), ("status", status.rawValue)]).increment()
    }

    static func taskFinished(pipeline: String, kind: String, state: TaskState, seconds: Double?) {
        guard isEnabled else { return }
        Counter(label: taskRuns, dimensions: [("pipeline", pipeline), ("kind", kind), ("status", state.rawValue)]).increment()
        // A task that never started (upstream failed, skipped) has no duration to count.
        if let seconds {
            Timer(label: taskDuration, dimensions: [("pipeline", pipeline), ("kind", kind)]).recordNanoseconds(nanoseconds(seconds))
        }
    }

    /// A tick due at `due` fired now. Catch-up and queued ticks are not counted: their lateness is by design.
    static func fired(schedule: String, due: Date) {
        guard isEnabled else { return }
        Timer(label: fireLag, dimensions: [("schedule", schedule)]).recordNanoseconds(nanoseconds(Date().timeIntervalSince(due)))
    }

    static func nanoseconds(_ seconds: Double) -> Int64 { Int64((max(0, seconds) * 1e9).rounded()) }

    /// The observer that counts a run's runs and tasks; nil (no observer at all) while metrics are off.
    static func observer(pipeline: String, kinds: @autoclosure () -> [String: String]) -> (any RunObserver)? {
        isEnabled ? RunMetrics(pipeline: pipeline, kinds: kinds()) : nil
    }

    /// The label sets the scrape-time gauges showed last, so that a pipeline with no running run
    /// (or a schedule that is gone) drops out rather than showing its last age for ever.
    private static let shown = Mutex<(ages: Set<String>, beats: Set<String>)>(([], []))

    /// Reads the scrape-time gauges from the store, as of now. A store that does not answer within
    /// `limit` (or fails) drops them from this scrape: an old age would look fresh.
    public static func refresh(store: Store, schedules: [String], limit: Duration = .seconds(5)) async {
        guard isEnabled else { return }
        let ages = try? await abandonable(limit: limit) { try await store.lastSuccessAges(schedules: schedules) }
        let beats = try? await abandonable(limit: limit) { try await store.heartbeatAges() }
        shown.withLock { shown in
            shown.ages = set(lastSuccessAge, label: "schedule", to: ages ?? [:], replacing: shown.ages)
            shown.beats = set(heartbeatAge, label: "pipeline", to: beats ?? [:], replacing: shown.beats)
        }
    }

    private static func set(_ name: String, label: String, to values: [String: Double], replacing old: Set<String>) -> Set<String> {
        for (key, value) in values { Gauge(label: name, dimensions: [(label, key)]).record(value) }
        for gone in old.subtracting(values.keys) { Gauge(label: name, dimensions: [(label, gone)]).destroy() }
        return Set(values.keys)
    }
}

/// Counts a run's end and its tasks' ends as the events arrive (its own backlog: never on the executor's path).
final class RunMetrics: RunObserver {
    let pipeline: String
    /// Node id → task kind (a sql_model task's models and tests are its nodes).
    let kinds: [String: String]
    /// When each task first went running: its duration spans all its attempts.
    private let started = Mutex<[String: Date]>([:])

    init(pipeline: String, kinds: [String: String]) {
        self.pipeline = pipeline
        self.kinds = kinds
    }

    var gatherWindow: Duration { .zero }

    func observe(_ event: RunEvent) async {
        switch event {
        case let .taskStateChanged(task, state, at, _):
            if state == .running {
                started.withLock { if $0[task] == nil { $0[task] = at } }
            } else if state.isFinal {
                let began = started.withLock { $0.removeValue(forKey: task) }
                OrchMetrics.taskFinished(pipeline: pipeline, kind: kinds[task] ?? "unknown", state: state,
                                         seconds: began.map { at.timeIntervalSince($0) })
            }
        case let .runFinished(status, _, _):
            OrchMetrics.runFinished(pipeline: pipeline, status: status)
        default:
            break
        }
    }
}
