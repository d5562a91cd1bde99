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
    private let gaveUp = Mutex(false)

    public init(runs: any RunStore, runID: String, token: String, outageLimit: Duration = .seconds(300),
                onOutage: @escaping @Sendable (String) -> Void = { _ in },
                onRefused: @escaping @Sendable () async -> Void = {}) {
        self.repository = runs
        self.runID = runID
        self.token = token
        self.outageLimit = outageLimit
        self.onOutage = onOutage
        self.onRefused = onRefused
    }

    public func observe(_ event: RunEvent) async {
        let (repository, runID, token) = (self.repository, self.runID, self.token)
        await write(event) {
            switch event {
            case let .runStarted(info):
                try await repository.start(info)
            case let .taskStateChanged(task, state, at, message):
                try await repository.setTaskState(run: runID, token: token, task: task, state: state, at: at, message: message)
            case let .attemptStarted(task, attempt, at, logPath):
                try await repository.startAttempt(run: runID, token: token, task: task, attempt: attempt, at: at, logPath: logPath)
            case let .attemptProcessStarted(task, attempt, group, leader):
                try await repository.recordProcess(run: runID, token: token, task: task, attempt: attempt,
                                                   processGroup: group, leader: leader)
            case let .attemptFinished(record):
                try await repository.finishAttempt(run: runID, token: token, record)
            case .retryScheduled:
                break
            case let .runFinished(status, at, message):
                try await repository.finish(run: runID, token: token, status: status, at: at, message: message)
            }
        }
    }

    /// How long one state write may take before it counts as a lost connection and is tried again.
    static let writeLimit: Duration = .seconds(30)

    private func write(_ event: RunEvent, _ body: @escaping @Sendable () async throws -> Void) async {
        let started = ContinuousClock.now
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
            if warned { FileHandle.standardError.write(Data("orch: the database is back; recording run \(runID) again\n".utf8)) }
        } catch where StoreError.underlying(error) is RunWriteRefused {
            // Not ours any more: the new owner records the run; this process stops.
            await onRefused()
        } catch {
            FileHandle.standardError.write(Data("orch: could not record \(event.label) for run \(runID): \(StoreError.describe(error))\n".utf8))
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
