import Foundation
import OrchExecution
import Synchronization
import OrchPostgres
import OrchSpec

/// Writes a run's events to its `RunStore` as they happen. While the database is
/// unreachable the writes wait and retry with backoff (the tasks keep
/// running; events queue up in order) and land when it is back. If the
/// outage outlasts `outageLimit`, the run is stopped cleanly (`onOutage`)
/// and later writes are tried once each. Every write carries the owner's
/// token: a write the store refuses (the run was taken over or marked
/// crashed) is not retried, and `onRefused` is told.
public final class StoreRecorder: RunObserver {
    let repository: any RunStore
    let runID: String
    let token: String
    let outageLimit: Duration
    let onOutage: @Sendable (String) -> Void
    let onRefused: @Sendable () async -> Void
    /// The run's row was written before its first task started (`PipelineRunner`
    /// does, so a run that has started work can never vanish): the
    /// `runStarted` event is not written again.
    let startRecorded: Bool
    /// Told, after each write the store took, when that write was sent: the
    /// store checks the token in the write's transaction, so the run was
    /// still ours then.
    let onWritten: @Sendable (ContinuousClock.Instant) -> Void
    private let gaveUp = Mutex(false)

    public init(runs: any RunStore, runID: String, token: String, outageLimit: Duration = .seconds(300),
                startRecorded: Bool = false,
                onWritten: @escaping @Sendable (ContinuousClock.Instant) -> Void = { _ in },
                onOutage: @escaping @Sendable (String) -> Void = { _ in },
                onRefused: @escaping @Sendable () async -> Void = {}) {
        self.repository = runs
        self.runID = runID
        self.token = token
        self.outageLimit = outageLimit
        self.onOutage = onOutage
        self.onRefused = onRefused
        self.startRecorded = startRecorded
        self.onWritten = onWritten
    }

    public func observe(_ event: RunEvent) async {
        await observe(batch: [event])
    }

    /// Events queued behind the write in flight count as the recorder's queue too (an outage's backlog shows).
    public func queued(_ count: Int) { StoreMetrics.queued(count) }

    /// The events that queued up while the last write was in flight, in one
    /// transaction: the store commits as often as it keeps up (group
    /// commit). A batch the store rejects for a reason other than a lost
    /// connection or a lost run is written again event by event, so one bad
    /// write costs only itself.
    public func observe(batch: [RunEvent]) async {
        if startRecorded, batch.contains(where: \.isRunStart) {
            let rest = batch.filter { !$0.isRunStart }
            StoreMetrics.queued(rest.count - batch.count) // not written again, so off the queue now
            await observe(batch: rest)
            return
        }
        // A backlog from an outage is written in bounded transactions.
        guard batch.count <= Self.batchLimit else {
            for start in stride(from: 0, to: batch.count, by: Self.batchLimit) {
                await observe(batch: Array(batch[start..<min(start + Self.batchLimit, batch.count)]))
            }
            return
        }
        // The metrics' queue depth: counted up as the executor queues each event (`queued`), down once written or given up.
        defer { StoreMetrics.queued(-batch.count) }
        let (repository, runID, token) = (self.repository, self.runID, self.token)
        guard batch.count > 1 else {
            if let event = batch.first {
                await write(event.label) { try await repository.record(event, run: runID, token: token) }
            }
            return
        }
        let whole = await write("\(batch.count) events", reportFailure: false) {
            try await repository.record(batch, run: runID, token: token)
        }
        guard whole == .failed else { return }
        for event in batch {
            guard await write(event.label, { try await repository.record(event, run: runID, token: token) }) != .refused else { return }
        }
    }

    /// A few milliseconds of events per transaction: a chain of quick tasks
    /// commits about once per window instead of two or three times per task.
    /// What a crash can lose grows by as much: at worst that a task finished
    /// (it runs again on retry), never a run or a success that did not happen.
    public var gatherWindow: Duration { .milliseconds(5) }

    /// The most events one transaction writes.
    static let batchLimit = 500

    /// How long one state write may take before it counts as a lost connection and is tried again.
    static let writeLimit: Duration = .seconds(30)

    private enum WriteResult { case written, refused, failed }

    /// Writes through `body`, waiting out a database outage; says how it went.
    @discardableResult
    private func write(_ what: String, reportFailure: Bool = true,
                       _ body: @escaping @Sendable () async throws -> Void) async -> WriteResult {
        let started = ContinuousClock.now
        defer { StoreMetrics.wrote(since: started) } // the write's latency, retries and outages included
        var warned = false
        do {
            try await RetryLoop(firstDelay: .milliseconds(100), maxDelay: .seconds(5)).run(retryIf: { error in
                guard StoreError.isConnectionProblem(error), !gaveUp.withLock({ $0 }) else { return false }
                if !warned {
                    warned = true
                    FileHandle.standardError.write(Data("orch: the database is unreachable (\(StoreError.describe(error))); tasks go on, their states will be recorded when it is back\n".utf8))
                }
                if ContinuousClock.now - started > outageLimit {
                    // One more try; after that every write is tried once.
                    gaveUp.withLock { $0 = true }
                    onOutage("the orch database has been unreachable for more than \(outageLimit); stopping the run")
                }
                return true
            }) {
                // PostgresNIO can wait for ever on a connection that closed under it: never let that hold the run.
                try await abandonable(limit: Self.writeLimit, stopsOnCancel: false, body)
            }
            if warned {
                FileHandle.standardError.write(Data("orch: the database is back; recording run \(runID) again\n".utf8))
            } else {
                onWritten(started) // sent at `started` and taken at once: ours then
            }
            return .written
        } catch where StoreError.underlying(error) is RunWriteRefused {
            // Not ours any more: the new owner records the run; this process stops.
            await onRefused()
            return .refused
        } catch {
            if reportFailure {
                FileHandle.standardError.write(Data("orch: could not record \(what) for run \(runID): \(StoreError.describe(error))\n".utf8))
            }
            return .failed
        }
    }
}

extension RunEvent {
    var label: String {
        switch self {
        case .runStarted: return "the run's start"
        case let .taskStateChanged(task, state, _, _): return "task \(task) → \(state.rawValue)"
        case let .attemptStarted(task, attempt, _, _): return "the start of \(task) attempt \(attempt)"
        case let .attemptProcessStarted(task, attempt, group, _): return "the process group \(group) of \(task) attempt \(attempt)"
        case let .attemptFinished(r): return "the end of \(r.task) attempt \(r.attempt)"
        case .retryScheduled: return "a retry"
        case let .runFinished(status, _, _): return "the run's end (\(status.rawValue))"
        }
    }
}
