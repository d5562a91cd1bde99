import Foundation
import Metrics
import OrchExecution
import OrchPostgres
import PostgresNIO
import Synchronization

/// The store's side of orch's metrics (see `OrchMetrics` in OrchRuntime, which
/// names the rest): what the recorders hold and how long their writes take,
/// and the two scrape-time readings only SQL can give. Here because OrchStore
/// sits below OrchRuntime and records these itself.
public enum StoreMetrics {
    /// Gauge: events the process's store recorders have taken but not yet
    /// written (the batch in flight, also while it waits out an outage).
    public static let queueDepth = "orch_recorder_queue_depth"
    /// Histogram: one recorder write (a batch in one transaction, or one event), retries included.
    public static let writeSeconds = "orch_store_write_seconds"

    /// Off until an exporter is installed: `orch run` then does no metrics work at all,
    /// not even swift-metrics' no-op lookups, per write.
    private static let on = Atomic<Bool>(false)
    public static var isEnabled: Bool { on.load(ordering: .relaxed) }
    /// Called once, after `MetricsSystem.bootstrap`.
    public static func enable() { on.store(true, ordering: .relaxed) }

    /// `count` events were taken for writing (positive) or are written or given up (negative).
    static func queued(_ count: Int) {
        guard isEnabled, count != 0 else { return }
        let meter = Meter(label: queueDepth)
        if count > 0 { meter.increment(by: Double(count)) } else { meter.decrement(by: Double(-count)) }
    }

    /// A write that began at `started` is over (whatever its outcome).
    static func wrote(since started: ContinuousClock.Instant) {
        guard isEnabled else { return }
        let elapsed = ContinuousClock.now - started
        Timer(label: writeSeconds).recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}

/// What `/metrics` reads from the store at scrape time, so that ages are as of the scrape.
extension Store {
    /// Seconds since each named schedule's newest successful scheduled run
    /// (trigger `schedule:NAME`) finished; schedules that never succeeded are absent.
    /// One query: per schedule, a backwards walk of the (trigger, started_at) index to its first success.
    public func lastSuccessAges(schedules: [String]) async throws -> [String: Double] {
        guard !schedules.isEmpty else { return [:] }
        let rows = try await BookkeepingClient(pool: client).query("""
        SELECT s.name, extract(epoch FROM now() - r.at)::float8
        FROM unnest(\(schedules)::text[]) AS s(name)
        CROSS JOIN LATERAL (SELECT coalesce(finished_at, started_at) AS at FROM orch.runs
                            WHERE trigger = 'schedule:' || s.name AND status = \(RunStatus.succeeded.rawValue)
                            ORDER BY started_at DESC LIMIT 1) r
        """, logger: logger)
        var ages: [String: Double] = [:]
        for try await (name, age) in rows.decode((String, Double).self) { ages[name] = max(0, age) }
        return ages
    }

    /// Per pipeline, seconds since the stalest heartbeat among its running runs
    /// (the partial index on heartbeat_at WHERE status = 'running' holds just those).
    public func heartbeatAges() async throws -> [String: Double] {
        let rows = try await BookkeepingClient(pool: client).query("""
        SELECT pipeline, extract(epoch FROM now() - min(heartbeat_at))::float8 FROM orch.runs
        WHERE status = \(RunStatus.running.rawValue) AND heartbeat_at IS NOT NULL
        GROUP BY pipeline
        """, logger: logger)
        var ages: [String: Double] = [:]
        for try await (pipeline, age) in rows.decode((String, Double).self) { ages[pipeline] = max(0, age) }
        return ages
    }
}
